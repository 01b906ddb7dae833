// What the evaluation will need to look up, and nothing more: the tags whose digest decides a
// verdict, then the (attestor, digest) pairs it will ask about. Live mode fetches exactly
// these; offline mode verifies exactly these.
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

/** Tagged images whose verdict depends on the digest: a digest-specific pattern, or REQUIRE_ATTESTATION. */
export function tagRequests(images: readonly ImageReference[], policy: Policy): TagRequest[] {
  const requests = new Map<string, TagRequest>();
  for (const image of images) {
    if (image.digest !== null) continue;
    const exemption = exemptionOf(policy.allowlist, image).state;
    const needed = exemption === 'needs-digest' || (exemption !== 'exempt' && policy.defaultRule.evaluationMode === 'REQUIRE_ATTESTATION');
    if (!needed) continue;
    const request = { registry: image.registry, repository: image.repository, tag: image.tag ?? 'latest' };
    requests.set(tagKey(request), request);
  }
  return [...requests.values()];
}

export function attestationRequests(images: readonly ImageReference[], policy: Policy, tags: TagLookup): AttestationRequest[] {
  const rule = policy.defaultRule;
  if (rule.evaluationMode !== 'REQUIRE_ATTESTATION') return [];
  const requests = new Map<string, AttestationRequest>();
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
  return [...requests.values()];
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
