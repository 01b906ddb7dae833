// URLs for registry requests, rewritten through --registry-mirror when one is set for the host.
// The rewrite happens before fetch sees the URL, so a mirrored host is never looked up in DNS.

export interface RequestTarget {
  readonly url: string;
  /** the host the request is meant for (as named by the image or a token realm) */
  readonly host: string;
  /** the mirror's origin when the request goes through one; never carries credentials */
  readonly via: string | null;
}

/** Normalized once per resolver: lower-case hosts, no trailing '/' on base URLs. */
export function normalizeMirrors(mirrors: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  return new Map([...mirrors].map(([host, base]) => [host.toLowerCase(), base.replace(/\/+$/, '')]));
}

/**
 * `https://HOST/PATH`, or `MIRROR/PATH` where MIRROR may carry a path prefix of its own. A mirror may be
 * keyed by the host itself or by the name users write for it (`docker.io` for `registry-1.docker.io`).
 */
export function targetFor(mirrors: ReadonlyMap<string, string>, host: string, path: string, aliases: readonly string[] = []): RequestTarget {
  for (const candidate of [host, ...aliases]) {
    const base = mirrors.get(candidate.toLowerCase());
    if (base !== undefined) return { url: `${base}${path}`, host, via: originOf(base) };
  }
  return { url: `https://${host}${path}`, host, via: null };
}

/** A token realm is an absolute URL chosen by the registry; its host is mirrored like any other. */
export function realmTarget(mirrors: ReadonlyMap<string, string>, realm: URL): RequestTarget {
  const path = `${realm.pathname}${realm.search}`;
  const base = mirrors.get(realm.host.toLowerCase());
  if (base !== undefined) return { url: `${base}${path}`, host: realm.host, via: originOf(base) };
  return { url: realm.href, host: realm.host, via: null };
}

function originOf(base: string): string {
  try {
    return new URL(base).origin;
  } catch {
    return 'an invalid mirror URL';
  }
}
