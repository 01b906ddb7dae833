// Public API of tag resolution: tag → digest over the OCI distribution API, as Cloud Run resolves it at deploy time.

export { createResolver, createTagResolver, type Resolver } from './resolve-tag.ts';
export { RegistryRequestError } from './http-request.ts';
export { MANIFEST_MEDIA_TYPES } from './manifest-digest.ts';
export type { RegistrySettings, TagResolution, TaggedImage, TagResolver } from './settings.ts';
export { createDigestChecker } from './check-digest.ts';
export type { DigestCheck, DigestChecker, DigestedImage } from './check-digest.ts';
