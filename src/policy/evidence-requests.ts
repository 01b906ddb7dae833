// What the evaluation will need to look up, and nothing more: the tags whose digest decides a
// verdict, then the (attestor, digest) pairs it will ask about, for one policy or several (an
// impact run evaluates the same workloads under two): each question appears once, whichever
// policies ask it. Live mode fetches exactly these; offline mode verifies exactly these.
import { candidateNames, parseImageReference, type ImageReference } from '../images/reference.ts';
import type { Workload } from '../manifests/workload.ts';
import type { TagLookup } from './decision.ts';
import { exemptionOf } from './evaluate.ts';
import type { Policy } from './policy.ts';

export interface TagRequest {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

export interface AttestationRequest {
  readonly attestor: string;
  readonly names: readonly string[];
  readonly digest: string;
}

/** Images evaluated by the project policy (not named policies), parsed once for both request lists. */
export function evaluatedImages(workloads: readonly Workload[]): ImageReference[] {
  const images: ImageReference[] = [];
  for (const workload of workloads) {
    if (workload.enforcement.mode === 'named-policy') continue;
    for (const container of workload.containers) {
      const parsed = container.image === null ? null : parseImageReference(container.image);
      if (parsed?.ok) images.push(parsed.image);
    }
  }
  return images;
}

/** Tagged images whose verdict depends on the digest under any of the policies: a digest-specific pattern, or REQUIRE_ATTESTATION. */
export function tagRequests(images: readonly ImageReference[], policies: readonly Policy[]): TagRequest[] {
  const requests = new Map<string, TagRequest>();
  for (const image of images) {
    if (image.digest !== null || !policies.some((policy) => needsDigest(image, policy))) continue;
    const request = { registry: image.registry, repository: image.repository, tag: image.tag ?? 'latest' };
    requests.set(tagKey(request), request);
  }
  return [...requests.values()].sort((a, b) => compare(tagKey(a), tagKey(b)));
}

function needsDigest(image: ImageReference, policy: Policy): boolean {
  const exemption = exemptionOf(policy.allowlist, image).state;
  return exemption === 'needs-digest' || (exemption !== 'exempt' && policy.defaultRule.evaluationMode === 'REQUIRE_ATTESTATION');
}

/** The (attestor, spelling, digest) questions every policy's REQUIRE_ATTESTATION rule will ask, each once. */
export function attestationRequests(images: readonly ImageReference[], policies: readonly Policy[], tags: TagLookup): AttestationRequest[] {
  const requests = new Map<string, AttestationRequest>();
  for (const policy of policies) {
    const rule = policy.defaultRule;
    if (rule.evaluationMode !== 'REQUIRE_ATTESTATION') continue;
    for (const written of images) {
      const image = withDigest(written, tags);
      if (image.digest === null || exemptionOf(policy.allowlist, image).state === 'exempt') continue;
      // One request per spelling: each is one reading of how Cloud Run names a Docker Hub image.
      for (const name of candidateNames(image)) {
        for (const attestor of rule.requireAttestationsBy) {
          requests.set(requestKey(attestor, [name], image.digest), { attestor, names: [name], digest: image.digest });
        }
      }
    }
  }
  return [...requests.entries()].sort(([a], [b]) => compare(a, b)).map(([, request]) => request);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withDigest(image: ImageReference, tags: TagLookup): ImageReference {
  if (image.digest !== null) return image;
  const answer = tags({ registry: image.registry, repository: image.repository, tag: image.tag ?? 'latest' });
  return answer?.ok ? { ...image, digest: answer.digest } : image;
}

export function tagKey(request: TagRequest): string {
  return `${request.registry}/${request.repository}:${request.tag}`;
}

export function requestKey(attestor: string, names: readonly string[], digest: string): string {
  return `${attestor}\u0000${digest}\u0000${names.join('\u0000')}`;
}
