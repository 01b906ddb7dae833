// Does this digest exist in its registry? `HEAD /v2/<repository>/manifests/<digest>`, with the tag
// resolver's auth (Google token for Google hosts, anonymous pull tokens elsewhere) and mirrors. The attest
// step asks this before it signs anything: a signature for a digest nobody pushed is a stamp for an image
// that does not exist yet, and whoever pushes it later inherits the attestation.

import { oncePerKey } from '../net/once-per-key.ts';
import { authorizedHead, createResolver, manifestTarget, resolveByContent, statusProblem, type Resolver } from './resolve-tag.ts';
import type { RegistrySettings, TagResolution, TaggedImage } from './settings.ts';

export interface DigestedImage {
  readonly registry: string;
  readonly repository: string;
  /** `sha256:…`, as the image reference names it */
  readonly digest: string;
}

export type DigestCheck =
  | { readonly ok: true }
  /** `unknown`: the registry answered 404, a definite "no such manifest"; `failed`: it could not be told. */
  | { readonly ok: false; readonly kind: 'unknown' | 'failed'; readonly problem: string; readonly status: number | null };

const DIGEST_RE = /^[a-z0-9]+:[a-f0-9]{32,128}$/;

export type DigestChecker = (image: DigestedImage) => Promise<DigestCheck>;

/** `resolver`: the client state (tokens, challenges) to share with the tag resolver of the same run. */
export function createDigestChecker(settings: RegistrySettings, resolver: Resolver = createResolver(settings)): DigestChecker {
  return oncePerKey(
    (image: DigestedImage) => JSON.stringify([image.registry.toLowerCase(), image.repository, image.digest]),
    (image) => checkDigest(resolver, image),
  );
}

async function checkDigest(resolver: Resolver, image: DigestedImage): Promise<DigestCheck> {
  // The resolver's code speaks of tags; a digest in the tag's place is sent literally (manifestTarget).
  const asked: TaggedImage = { registry: image.registry, repository: image.repository, tag: image.digest };
  const { target, base } = manifestTarget(resolver, asked);
  const head = await authorizedHead(resolver, asked, target, base);
  if (!head.ok) return failedWith(head.resolution);
  const { response, authorization } = head.value;
  if (response.status === 404) return unknown(image);
  if (response.status !== 200) return failedWith(statusProblem(asked, response.status, authorization));
  const claimed = response.headers.get('docker-content-digest')?.trim() ?? '';
  if (claimed !== '') {
    if (claimed === image.digest) return { ok: true };
    // The header is the registry's text: quoted only when it is a digest, so an answer cannot write into the report.
    return mismatch(image, DIGEST_RE.test(claimed) ? `Docker-Content-Digest ${claimed}` : 'a Docker-Content-Digest header that is not a digest');
  }
  // No header: the manifest's bytes say what it is. Only sha256 can be recomputed here.
  if (!image.digest.startsWith('sha256:')) {
    return {
      ok: false,
      kind: 'failed',
      problem: `${where(image)}: the registry answered HTTP 200 without Docker-Content-Digest, and a ${image.digest.split(':')[0]} digest cannot be checked from the manifest`,
      status: 200,
    };
  }
  const content = await resolveByContent(resolver, asked, target, authorization);
  if (!content.ok) return content.status === 404 ? unknown(image) : failedWith(content);
  return content.digest === image.digest ? { ok: true } : mismatch(image, `a manifest that hashes to ${content.digest}`);
}

function where(image: DigestedImage): string {
  return `${image.registry}/${image.repository}@${image.digest}`;
}

function unknown(image: DigestedImage): DigestCheck {
  return { ok: false, kind: 'unknown', problem: `${where(image)} does not exist in its registry (HTTP 404)`, status: 404 };
}

function mismatch(image: DigestedImage, served: string): DigestCheck {
  return { ok: false, kind: 'failed', problem: `the registry answered ${where(image)} (HTTP 200) with ${served}: not the manifest asked for`, status: 200 };
}

/** A failed step of the resolver's code; an `ok` here would be a step that did not check the digest, so it fails too. */
function failedWith(resolution: TagResolution): DigestCheck {
  if (resolution.ok) return { ok: false, kind: 'failed', problem: 'the registry check ended without an answer about the digest', status: null };
  return { ok: false, kind: 'failed', problem: resolution.problem, status: resolution.status };
}
