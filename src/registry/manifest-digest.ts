// What a manifest response says about the tag: its digest and media type.

import { createHash } from 'node:crypto';

/**
 * Every manifest kind a tag can point at. A registry serves the tag's own manifest, and so its digest, only when
 * the client accepts that kind; offered fewer, some registries answer with a converted or per-platform manifest
 * whose digest the deployed image does not have.
 */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const SHA256_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** The Docker-Content-Digest header when it is a well-formed sha256 digest, else null. */
export function digestHeader(headers: Headers): string | null {
  const value = headers.get('docker-content-digest')?.trim() ?? null;
  return value !== null && SHA256_DIGEST_RE.test(value) ? value : null;
}

/** The digest of a manifest is the sha256 of the exact bytes served, not of any re-encoding. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function mediaTypeOf(headers: Headers): string | null {
  const value = headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  return value === '' ? null : value;
}
