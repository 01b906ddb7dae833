// Bundle-time stand-in for `qs`, which googleapis-common uses only to serialise flat query
// parameters with repeated keys for arrays (50 KB with its dependencies). Encodes as qs's
// default RFC 3986 format does: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded.
const encode = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function stringify(params: Record<string, unknown> | null | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      parts.push(`${encode(key)}=${encode(item === null ? '' : String(item))}`);
    }
  }
  return parts.join('&');
}

export default { stringify };
