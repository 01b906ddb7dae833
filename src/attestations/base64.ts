// Base64 as Binary Authorization data arrives in it: gcloud sends URL-safe base64 (as the REST API's
// bytes fields are), other tools and hand-made files use the standard alphabet, with or without '='.

/** Bytes decoded from a base64 field, or why they could not be. */
export type DecodedBytes = { readonly kind: 'bytes'; readonly bytes: Buffer } | { readonly kind: 'undecodable'; readonly reason: string };

const BODY = /^[A-Za-z0-9+/_-]*$/;

/**
 * Decodes standard or URL-safe base64, padded or not. Line breaks are ignored (wrapped output of
 * `base64`); anything else that is not canonical base64 is rejected rather than silently skipped, so
 * garbage never turns into "some bytes" that then fail for a misleading reason.
 */
export function decodeBase64(text: string): DecodedBytes {
  const compact = text.replace(/[\r\n]/g, '');
  const body = compact.replace(/={1,2}$/, '');
  const problem = base64Problem(compact, body);
  if (problem !== undefined) return { kind: 'undecodable', reason: problem };
  const urlSafe = body.replace(/\+/g, '-').replace(/\//g, '_');
  const bytes = Buffer.from(urlSafe, 'base64url');
  // Re-encoding catches non-zero trailing bits, which Node's decoder would drop without a word.
  if (bytes.toString('base64url') !== urlSafe) return { kind: 'undecodable', reason: 'is not canonical base64 (stray trailing bits)' };
  return { kind: 'bytes', bytes };
}

function base64Problem(compact: string, body: string): string | undefined {
  if (compact.length === 0) return 'is empty';
  if (!BODY.test(body)) return 'contains characters that are not base64';
  if (/[+/]/.test(body) && /[-_]/.test(body)) return 'mixes the standard and URL-safe base64 alphabets';
  if (body.length % 4 === 1) return 'has a length no base64 encoding can have';
  if (body.length !== compact.length && compact.length % 4 !== 0) return 'has wrong base64 padding';
  return undefined;
}
