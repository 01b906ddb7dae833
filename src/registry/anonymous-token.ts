// Anonymous pull tokens from a registry's token realm (the distribution token spec): one fetch per
// realm, service and scope per resolver, shared by every tag that needs it.

import { oncePerKey } from '../net/once-per-key.ts';
import type { AuthChallenge } from './auth-challenge.ts';
import { MAX_TOKEN_ANSWER_BYTES, sendRequest, type RequestOutcome } from './http-request.ts';
import { realmTarget } from './mirrors.ts';
import type { RegistrySettings } from './settings.ts';

type BearerChallenge = Extract<AuthChallenge, { scheme: 'bearer' }>;

export type TokenOutcome =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly why: string; readonly status: number | null; readonly error: unknown };

export type AnonymousTokens = (challenge: BearerChallenge, scope: string) => Promise<TokenOutcome>;

export function createAnonymousTokens(settings: RegistrySettings, mirrors: ReadonlyMap<string, string>): AnonymousTokens {
  return oncePerKey(
    (challenge: BearerChallenge, scope: string) => JSON.stringify([challenge.realm.href, challenge.service, scope]),
    (challenge, scope) => fetchToken(settings, mirrors, challenge, scope),
  );
}

async function fetchToken(settings: RegistrySettings, mirrors: ReadonlyMap<string, string>, challenge: BearerChallenge, scope: string): Promise<TokenOutcome> {
  const realm = new URL(challenge.realm);
  if (challenge.service !== null) realm.searchParams.set('service', challenge.service);
  realm.searchParams.set('scope', scope);
  const target = realmTarget(mirrors, realm);
  // No Authorization header: an anonymous token is all that is asked for, and no credential leaves for the realm.
  const headers = { accept: 'application/json', 'user-agent': settings.userAgent };
  const outcome = await sendRequest(settings.send, `GET pull token for ${scope} from ${realm.host}`, {
    method: 'GET',
    target,
    headers,
    readBody: MAX_TOKEN_ANSWER_BYTES,
  });
  return tokenFrom(outcome, realm.host);
}

function tokenFrom(outcome: RequestOutcome, host: string): TokenOutcome {
  if (!outcome.ok) return { ok: false, why: `the token service ${host} failed`, status: null, error: outcome.error };
  const { status, body } = outcome.response;
  if (status !== 200) return { ok: false, why: `the token service ${host} answered HTTP ${status}`, status, error: null };
  const token = tokenInJson(body);
  if (token === null) return { ok: false, why: `the token service ${host} answered without a token`, status, error: null };
  return { ok: true, token };
}

/** Docker Hub and the spec say `token`; OAuth2-style services say `access_token`. */
function tokenInJson(body: Uint8Array | null): string | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array()));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { token, access_token: accessToken } = value as { token?: unknown; access_token?: unknown };
  if (typeof token === 'string' && token !== '') return token;
  return typeof accessToken === 'string' && accessToken !== '' ? accessToken : null;
}
