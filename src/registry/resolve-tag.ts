// Tag → digest over the OCI distribution API, as Cloud Run does at deploy time:
// HEAD /v2/<repository>/manifests/<tag> and read Docker-Content-Digest.

import { oncePerKey } from '../net/once-per-key.ts';
import { createAnonymousTokens, type AnonymousTokens } from './anonymous-token.ts';
import { parseAuthChallenge, type AuthChallenge } from './auth-challenge.ts';
import { MAX_MANIFEST_BYTES, sendRequest, type RegistryResponse, type RequestOutcome } from './http-request.ts';
import { MANIFEST_MEDIA_TYPES, digestHeader, mediaTypeOf, sha256Digest } from './manifest-digest.ts';
import { normalizeMirrors, targetFor, type RequestTarget } from './mirrors.ts';
import * as problems from './problems.ts';
import { apiHost, isGoogleHost } from './registry-hosts.ts';
import type { RegistrySettings, TagResolution, TaggedImage, TagResolver } from './settings.ts';

type BearerChallenge = Extract<AuthChallenge, { scheme: 'bearer' }>;
type GoogleToken = { readonly ok: true; readonly token: string | null } | { readonly ok: false; readonly error: unknown };

/** Who a request speaks as. A Google token goes only to Google hosts (or their mirrors), never to other registries or token realms. */
type Authorization = { readonly kind: 'google'; readonly token: string } | { readonly kind: 'anonymous'; readonly token: string | null };

export interface Resolver {
  readonly settings: RegistrySettings;
  readonly mirrors: ReadonlyMap<string, string>;
  readonly anonymousTokens: AnonymousTokens;
  readonly googleToken: () => Promise<GoogleToken>;
  /** per registry base URL (a mirror's, when mirrored), the Bearer challenge it sent, so later repositories ask for their token up front */
  readonly challenges: Map<string, BearerChallenge>;
}

type Step<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly resolution: TagResolution };

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** `resolver`: the client state (tokens, challenges) to share with a digest checker of the same run. */
export function createTagResolver(settings: RegistrySettings, resolver: Resolver = createResolver(settings)): TagResolver {
  return oncePerKey(
    (image: TaggedImage) => JSON.stringify([image.registry.toLowerCase(), image.repository, image.tag]),
    (image) => resolveTag(resolver, image),
  );
}

/** The state one registry client keeps (tokens, challenges); shared with the digest check (check-digest.ts). */
export function createResolver(settings: RegistrySettings): Resolver {
  const mirrors = normalizeMirrors(settings.mirrors);
  let google: Promise<GoogleToken> | undefined;
  return {
    settings,
    mirrors,
    anonymousTokens: createAnonymousTokens(settings, mirrors),
    // Through then(), so a googleToken that throws before returning its promise is a problem too, not a crash.
    googleToken: () =>
      (google ??= Promise.resolve()
        .then(() => settings.googleToken())
        .then(
          (token) => ({ ok: true, token: token === '' ? null : token }),
          (error: unknown) => ({ ok: false, error }),
        )),
    challenges: new Map(),
  };
}

/**
 * `/v2/REPOSITORY/manifests/REFERENCE` and where to send it. A tag is percent-encoded (a no-op for valid tags);
 * a digest (`sha256:…`) is sent as written, since registries route on the literal colon.
 */
export function manifestTarget(resolver: Resolver, image: TaggedImage): { readonly target: RequestTarget; readonly base: string } {
  const reference = image.tag.includes(':') ? image.tag : encodeURIComponent(image.tag);
  const path = `/v2/${image.repository.split('/').map(encodeURIComponent).join('/')}/manifests/${reference}`;
  const target = targetFor(resolver.mirrors, apiHost(image.registry), path, [image.registry]);
  return { target, base: target.url.slice(0, -path.length) };
}

async function resolveTag(resolver: Resolver, image: TaggedImage): Promise<TagResolution> {
  const { target, base } = manifestTarget(resolver, image);
  const head = await authorizedHead(resolver, image, target, base);
  if (!head.ok) return head.resolution;
  const { response, authorization } = head.value;
  if (response.status !== 200) return statusProblem(image, response.status, authorization);
  const digest = digestHeader(response.headers);
  if (digest !== null) return { ok: true, digest, mediaType: mediaTypeOf(response.headers) };
  return resolveByContent(resolver, image, target, authorization);
}

/** The HEAD answer, after at most one retry with an anonymous token; `base` keys the challenge to the server that sent it (the mirror, when mirrored). */
export async function authorizedHead(
  resolver: Resolver,
  image: TaggedImage,
  target: RequestTarget,
  base: string,
): Promise<Step<{ response: RegistryResponse; authorization: Authorization }>> {
  const first = await initialAuthorization(resolver, image, base);
  if (!first.ok) return first;
  const head = await requestManifest(resolver, image, 'HEAD', target, first.value);
  if (!head.ok) return { ok: false, resolution: problems.requestFailed(image, head.error) };
  const { response } = head;
  // Retry only when the registry challenged a request that carried no token: a refused token is a refusal.
  if (response.status !== 401 || first.value.kind === 'google' || first.value.token !== null) {
    return { ok: true, value: { response, authorization: first.value } };
  }
  const answered = await answerChallenge(resolver, image, base, response);
  if (!answered.ok) return answered;
  const retry = await requestManifest(resolver, image, 'HEAD', target, answered.value);
  if (!retry.ok) return { ok: false, resolution: problems.requestFailed(image, retry.error) };
  return { ok: true, value: { response: retry.response, authorization: answered.value } };
}

async function initialAuthorization(resolver: Resolver, image: TaggedImage, base: string): Promise<Step<Authorization>> {
  if (isGoogleHost(image.registry)) {
    const google = await resolver.googleToken();
    if (!google.ok) return { ok: false, resolution: problems.googleTokenFailed(image, google.error) };
    if (google.token !== null) return { ok: true, value: { kind: 'google', token: google.token } };
  }
  const known = resolver.challenges.get(base);
  if (known === undefined) return { ok: true, value: { kind: 'anonymous', token: null } };
  return anonymousToken(resolver, image, known, pullScope(image));
}

async function answerChallenge(resolver: Resolver, image: TaggedImage, base: string, response: RegistryResponse): Promise<Step<Authorization>> {
  const challenge = parseAuthChallenge(response.headers.get('www-authenticate'));
  switch (challenge.scheme) {
    case 'bearer':
      resolver.challenges.set(base, challenge);
      return anonymousToken(resolver, image, challenge, challenge.scope ?? pullScope(image));
    case 'basic':
      return { ok: false, resolution: problems.basicChallenge(image, response.status) };
    case 'none':
      return { ok: false, resolution: statusProblem(image, response.status, { kind: 'anonymous', token: null }) };
    case 'unusable':
      return { ok: false, resolution: problems.unusableChallenge(image, response.status, challenge.why) };
  }
}

async function anonymousToken(resolver: Resolver, image: TaggedImage, challenge: BearerChallenge, scope: string): Promise<Step<Authorization>> {
  const token = await resolver.anonymousTokens(challenge, scope);
  if (!token.ok) return { ok: false, resolution: problems.tokenFailed(image, token.why, token.status, token.error) };
  return { ok: true, value: { kind: 'anonymous', token: token.token } };
}

function pullScope(image: TaggedImage): string {
  return `repository:${image.repository}:pull`;
}

/** Some registries leave Docker-Content-Digest off (or garble it); the manifest's own bytes then say what the digest is. */
export async function resolveByContent(resolver: Resolver, image: TaggedImage, target: RequestTarget, authorization: Authorization): Promise<TagResolution> {
  const get = await requestManifest(resolver, image, 'GET', target, authorization);
  if (!get.ok) return problems.requestFailed(image, get.error);
  const { status, headers, body } = get.response;
  if (status !== 200) return statusProblem(image, status, authorization);
  if (body === null || body.length === 0) return problems.emptyManifest(image);
  const digest = sha256Digest(body);
  const claimed = digestHeader(headers);
  if (claimed !== null && claimed !== digest) return problems.digestMismatch(image, claimed, digest);
  return { ok: true, digest, mediaType: mediaTypeOf(headers) };
}

function requestManifest(
  resolver: Resolver,
  image: TaggedImage,
  method: 'GET' | 'HEAD',
  target: RequestTarget,
  authorization: Authorization,
): Promise<RequestOutcome> {
  const headers: Record<string, string> = { accept: ACCEPT, 'user-agent': resolver.settings.userAgent };
  if (authorization.token !== null) headers['authorization'] = `Bearer ${authorization.token}`;
  const label = `${method} ${image.registry}/${image.repository}:${image.tag}`;
  return sendRequest(resolver.settings.send, label, { method, target, headers, readBody: method === 'GET' ? MAX_MANIFEST_BYTES : null });
}

export function statusProblem(image: TaggedImage, status: number, authorization: Authorization): TagResolution {
  if (status === 404) return problems.notFound(image);
  if (status === 401 || status === 403) {
    if (isGoogleHost(image.registry)) return problems.googleNotAuthorized(image, status, authorization.kind === 'google');
    return problems.anonymousNotAuthorized(image, status);
  }
  return problems.unexpectedStatus(image, status);
}
