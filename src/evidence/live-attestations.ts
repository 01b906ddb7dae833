// Live evidence: each required attestor and its attestation occurrences fetched from Google
// (each once), then verified exactly as files are.
import { parseAttestors, parseOccurrences, verifyAttestor, type Attestor } from '../attestations/index.ts';
import type { GoogleApis } from '../gcp/google-apis.ts';
import type { AttestationRequest } from '../policy/evidence-requests.ts';
import type { AttestationLookup, AttestorResult } from '../policy/decision.ts';
import { gatherAttestations, toResult } from './lookup.ts';

export function verifyLive(apis: GoogleApis, requests: readonly AttestationRequest[]): Promise<AttestationLookup> {
  const attestors = new Map<string, Promise<Attestor>>();
  const attestorOf = (name: string): Promise<Attestor> => {
    let known = attestors.get(name);
    if (!known) {
      known = apis.getAttestor(name).then((json) => onlyAttestor(name, json));
      attestors.set(name, known);
    }
    return known;
  };
  return gatherAttestations(requests, async (request): Promise<AttestorResult> => {
    try {
      const attestor = await attestorOf(request.attestor);
      const parsed = parseOccurrences(await apis.listAttestationOccurrences(attestor.noteReference, request.digest));
      if (parsed.problems.length > 0) {
        return undecidable(request.attestor, `unreadable attestations on ${attestor.noteReference}: ${parsed.problems.join('; ')}`);
      }
      return toResult(await verifyAttestor(attestor, parsed.occurrences, request));
    } catch (error) {
      return undecidable(request.attestor, error instanceof Error ? error.message : String(error));
    }
  });
}

function onlyAttestor(name: string, json: unknown): Attestor {
  const parsed = parseAttestors(json);
  const attestor = parsed.attestors[0];
  if (!attestor || parsed.problems.length > 0) {
    throw new Error(`attestor ${name} as Google returned it cannot be used: ${parsed.problems.join('; ') || 'no attestor in the answer'}`);
  }
  return attestor;
}

function undecidable(attestor: string, detail: string): AttestorResult {
  return { attestor, outcome: 'undecidable', detail };
}
