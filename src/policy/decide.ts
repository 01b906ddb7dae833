// The engine's entry: for a set of workloads and one policy, every decision; for the same set
// and any number of policies, the evidence those decisions will look up (each tag and each
// attestation question once, whichever policies ask it); and, for the attest step, whether an
// attestation by one attestor is what a container's admission waits for. Everything about a
// policy is decided here and in the modules it calls: the run only fetches what this asks for.
import type { Workload } from '../manifests/workload.ts';
import type { AttestationLookup, ContainerResult, Evidence, TagLookup } from './decision.ts';
import { evaluateWorkload, type EvaluationOptions, type WorkloadResult } from './evaluate.ts';
import { attestationRequests, evaluatedImages, tagRequests, type AttestationRequest, type TagRequest } from './evidence-requests.ts';
import type { Policy } from './policy.ts';
import { createInterner } from './compact.ts';

export interface EvidenceNeeds {
  /** Tags whose digest some policy's verdict depends on. */
  readonly tags: readonly TagRequest[];
  /** Once the tags are resolved: every (attestor, spelling, digest) some policy will ask about. */
  attestations(tags: TagLookup): AttestationRequest[];
}

export function evidenceNeeds(workloads: readonly Workload[], policies: readonly Policy[]): EvidenceNeeds {
  const images = evaluatedImages(workloads);
  return { tags: tagRequests(images, policies), attestations: (tags) => attestationRequests(images, policies, tags) };
}

/**
 * What the enforcer decides for each workload under `policy`, in the order given. Repeated texts are
 * held once; a run that decides batch by batch passes one `intern` for all its batches.
 */
export function decide(
  workloads: readonly Workload[],
  policy: Policy,
  evidence: Evidence,
  options: EvaluationOptions,
  intern = createInterner(),
): WorkloadResult[] {
  return workloads.map((workload) => evaluateWorkload(workload, policy, evidence, options, intern));
}

/** Every attestation unverified: what `attest` evaluates with, to see which attestor each image waits for. */
export const NOTHING_ATTESTED: AttestationLookup = (attestor) => ({ attestor, outcome: 'not-verified', cause: 'no-evidence', detail: 'not attested yet' });

/**
 * Null when an attestation by `attestor` is what admitting this container under the policy waits
 * for; otherwise why attesting it would change nothing (decided with NOTHING_ATTESTED).
 */
export function attestationNeed(workload: WorkloadResult, container: ContainerResult, attestor: string): string | null {
  if (workload.enforcement === 'named-policy') return 'the workload names a Cloud Run platform policy, which binauthz-gate cannot read';
  if (workload.enforcement === 'not-enforced') return 'the workload does not ask Cloud Run to enforce Binary Authorization: nothing checks an attestation';
  if (container.attestors.some((result) => result.attestor === attestor && result.outcome !== 'verified')) return null;
  switch (container.reason) {
    case 'exempt':
      return `${container.detail}: no attestation needed`;
    case 'always-allow':
      return 'the default rule is ALWAYS_ALLOW: no attestation needed';
    case 'always-deny':
      return 'the default rule is ALWAYS_DENY: an attestation changes nothing';
    case 'attested':
    case 'missing-attestation':
      return `the policy does not require ${attestor}`;
    default:
      return `its verdict cannot be decided (${container.reason}): ${container.detail}`;
  }
}
