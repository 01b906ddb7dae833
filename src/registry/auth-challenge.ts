// WWW-Authenticate as registries send it (the distribution token spec):
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"

export type AuthChallenge =
  | { readonly scheme: 'bearer'; readonly realm: URL; readonly service: string | null; readonly scope: string | null }
  | { readonly scheme: 'basic' }
  | { readonly scheme: 'none' }
  | { readonly scheme: 'unusable'; readonly why: string };

// auth-param = token "=" ( token / quoted-string ), RFC 9110 §11.2
const PARAM_RE = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

export function parseAuthChallenge(header: string | null): AuthChallenge {
  if (header === null || header.trim() === '') return { scheme: 'none' };
  // A header may list several challenges; Bearer is the one anonymous pulls can answer, so it wins.
  const bearer = /(?:^|,)\s*Bearer\s+(.*)$/i.exec(header);
  if (bearer !== null) return bearerChallenge(bearerParams(bearer[1] ?? ''));
  if (/(?:^|,)\s*Basic\b/i.test(header)) return { scheme: 'basic' };
  const scheme = header.trim().split(/\s/)[0] ?? '';
  return { scheme: 'unusable', why: `the registry asks for "${scheme}" authentication, which is not supported` };
}

function bearerParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of text.matchAll(PARAM_RE)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!params.has(name)) params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? ''));
  }
  return params;
}

function bearerChallenge(params: ReadonlyMap<string, string>): AuthChallenge {
  const realm = params.get('realm');
  if (realm === undefined || realm === '') return { scheme: 'unusable', why: "the registry's Bearer challenge names no token realm" };
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { scheme: 'unusable', why: `the registry's token realm ${JSON.stringify(realm)} is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { scheme: 'unusable', why: `the registry's token realm ${JSON.stringify(realm)} is not an http(s) URL` };
  }
  return { scheme: 'bearer', realm: url, service: params.get('service') ?? null, scope: params.get('scope') ?? null };
}
