// Live evidence: each required attestor and its attestation occurrences fetched from Google
// (each once, each answer checked to be the one asked for), then verified exactly as files are.
import { oncePerKey } from '../../net/once-per-key.ts';
import { parseOccurrences, singleAttestor, verifyAttestor, type Attestor } from '../../attestations/index.ts';
import type { GoogleApis } from '../../gcp/google-apis.ts';
import type { AttestorResult } from '../../policy/decision.ts';
import { createAttestationAnswers, toResult, type AttestationAnswers } from './lookup.ts';
import { RemoteFailure, messageOf } from '../../errors.ts';

/** Live answers for a run: each attestor fetched once, each (attestor, digest) listed once, whichever batch asks. */
export function liveAttestations(apis: GoogleApis): AttestationAnswers {
  const attestorOf = oncePerKey(
    (name: string) => name,
    (name) => apis.getAttestor(name).then((json) => onlyAttestor(name, json)),
  );
  return createAttestationAnswers(async (request): Promise<AttestorResult> => {
    try {
      const attestor = await attestorOf(request.attestor);
      const listed = await apis.listOccurrences(attestor.noteReference, request.digest);
      const parsed = parseOccurrences([...listed.onTarget]);
      if (parsed.problems.length > 0) {
        return undecidable(request.attestor, `unreadable attestations on ${attestor.noteReference}: ${parsed.problems.join('; ')}`);
      }
      return withIgnored(toResult(await verifyAttestor(attestor, parsed.occurrences, request)), listed.ignored);
    } catch (error) {
      return undecidable(request.attestor, messageOf(error));
    }
  });
}

function onlyAttestor(name: string, json: unknown): Attestor {
  const single = singleAttestor(json);
  if (!single.ok) throw new RemoteFailure(`attestor ${name} as Google returned it cannot be used: ${single.problem}`);
  return single.attestor;
}

/** Occurrences the answer held for another note or digest never count, and the report says they were there. */
function withIgnored(result: AttestorResult, ignored: readonly string[]): AttestorResult {
  if (ignored.length === 0) return result;
  const listed = ignored.slice(0, 3).join('; ') + (ignored.length > 3 ? `; and ${ignored.length - 3} more` : '');
  return { ...result, detail: `${result.detail} (Container Analysis answered ${ignored.length} occurrence(s) that were not asked for, ignored: ${listed})` };
}

function undecidable(attestor: string, detail: string): AttestorResult {
  return { attestor, outcome: 'undecidable', detail };
}
