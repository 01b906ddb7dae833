// Answers gathered before evaluation, looked up by the pure engine. A run evaluates its workloads
// in batches; each attestation question is answered once for the whole run, whichever batch asks.
import { requestKey, type AttestationRequest } from '../../policy/evidence-requests.ts';
import type { AttestationLookup, AttestorResult } from '../../policy/decision.ts';
import type { AttestorCheck } from '../../attestations/index.ts';
import { askOnce } from './ask-once.ts';

export interface AttestationAnswers {
  /** Answers the requests not asked before (concurrently), then looks up everything answered so far. */
  answer(requests: readonly AttestationRequest[]): Promise<AttestationLookup>;
}

export function createAttestationAnswers(answer: (request: AttestationRequest) => Promise<AttestorResult>): AttestationAnswers {
  const questions = askOnce((request: AttestationRequest) => requestKey(request.attestor, request.names, request.digest), answer);
  const lookup: AttestationLookup = (attestor, names, digest) => questions.answered(requestKey(attestor, names, digest)) ?? notGathered(attestor);
  return {
    async answer(requests) {
      await questions.ask(requests);
      return lookup;
    },
  };
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
