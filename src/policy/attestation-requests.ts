// Which (attestor, image digest) pairs the evaluation will ask about: exactly those, so that
// live mode fetches nothing it does not need and offline mode verifies nothing twice.
import { candidateNames, parseImageReference } from '../images/reference.ts';
import type { Workload } from '../manifests/workload.ts';
import { exemptionOf } from './evaluate.ts';
import type { Policy } from './policy.ts';

export interface AttestationRequest {
  readonly attestor: string;
  readonly names: readonly string[];
  readonly digest: string;
}

export function attestationRequests(workloads: readonly Workload[], policy: Policy): AttestationRequest[] {
  const rule = policy.defaultRule;
  if (rule.evaluationMode !== 'REQUIRE_ATTESTATION') return [];
  const requests = new Map<string, AttestationRequest>();
  for (const workload of workloads) {
    if (workload.enforcement.mode === 'named-policy') continue;
    for (const container of workload.containers) {
      const parsed = container.image === null ? null : parseImageReference(container.image);
      if (!parsed?.ok || parsed.image.digest === null) continue;
      if (exemptionOf(policy.allowlist, parsed.image).state === 'exempt') continue;
      const names = candidateNames(parsed.image);
      for (const attestor of rule.requireAttestationsBy) {
        requests.set(requestKey(attestor, names, parsed.image.digest), { attestor, names, digest: parsed.image.digest });
      }
    }
  }
  return [...requests.values()];
}

export function requestKey(attestor: string, names: readonly string[], digest: string): string {
  return `${attestor}\u0000${digest}\u0000${names.join('\u0000')}`;
}
