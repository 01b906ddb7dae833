// Answers gathered before evaluation, looked up by the pure engine.
import { requestKey, type AttestationRequest } from '../../policy/evidence-requests.ts';
import type { AttestationLookup, AttestorResult } from '../../policy/decision.ts';
import type { AttestorCheck } from '../../attestations/index.ts';

export async function gatherAttestations(
  requests: readonly AttestationRequest[],
  answer: (request: AttestationRequest) => Promise<AttestorResult>,
): Promise<AttestationLookup> {
  const answers = new Map<string, AttestorResult>();
  await Promise.all(
    requests.map(async (request) => {
      answers.set(requestKey(request.attestor, request.names, request.digest), await answer(request));
    }),
  );
  return (attestor, names, digest) => answers.get(requestKey(attestor, names, digest)) ?? notGathered(attestor);
}

/** The engine asked about a pair the requests did not list: a bug, and never a pass. */
function notGathered(attestor: string): AttestorResult {
  return { attestor, outcome: 'undecidable', detail: 'internal error: attestation evidence was not gathered for this image' };
}

/** The verifier's answer, as the engine reads it. */
export function toResult(check: AttestorCheck): AttestorResult {
  if (check.outcome === 'verified') {
    const notes = check.notes.length > 0 ? ` (${check.notes.join('; ')})` : '';
    return { attestor: check.attestor, outcome: 'verified', detail: `occurrence ${check.occurrence}, key ${check.keyId}${notes}` };
  }
  return { attestor: check.attestor, outcome: 'not-verified', cause: check.cause, detail: check.detail };
}
