// The "simple signing" payload Binary Authorization attestations sign, in the form
// `gcloud container binauthz create-signature-payload` writes it.

import { isObject, nonEmptyString } from './json.ts';

export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the repository, without scheme, tag or digest. */
  readonly dockerReference: string;
  /** `critical.image.docker-manifest-digest`, e.g. `sha256:…`. */
  readonly manifestDigest: string;
}

export type PayloadParse = { readonly ok: true; readonly payload: SimpleSigningPayload } | { readonly ok: false; readonly problem: string };

const PAYLOAD_TYPE = 'Google cloud binauthz container signature';

export function parseSimpleSigningPayload(bytes: Uint8Array): PayloadParse {
  const json = parseJson(bytes);
  if (!json.ok) return json;
  const critical = isObject(json.value) ? json.value['critical'] : undefined;
  if (!isObject(critical)) return { ok: false, problem: 'the payload has no "critical" object' };
  const image = critical['image'];
  const manifestDigest = isObject(image) ? nonEmptyString(image['docker-manifest-digest']) : undefined;
  if (manifestDigest === undefined) return { ok: false, problem: 'the payload has no critical.image.docker-manifest-digest' };
  const identity = critical['identity'];
  const dockerReference = isObject(identity) ? nonEmptyString(identity['docker-reference']) : undefined;
  if (dockerReference === undefined) return { ok: false, problem: 'the payload has no critical.identity.docker-reference' };
  return { ok: true, payload: { dockerReference, manifestDigest } };
}

/**
 * The exact bytes gcloud prints: Python's `json.dumps(…, indent=2, sort_keys=True,
 * separators=(',', ': '))` plus a newline, with DEL and non-ASCII escaped as Python's ensure_ascii does.
 * A scheme or `@digest` left on the reference is dropped, as gcloud does when given an artifact URL.
 */
export function createSignaturePayload(dockerReference: string, digest: string): Buffer {
  const repository = dockerReference.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/@.*$/, '');
  const document = {
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: PAYLOAD_TYPE,
    },
  };
  const text = JSON.stringify(document, null, 2).replace(/[\u007f-\uffff]/g, escapeUnicode);
  return Buffer.from(`${text}\n`, 'utf8');
}

function escapeUnicode(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function parseJson(bytes: Uint8Array): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'the payload is not UTF-8 text' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: 'the payload is not JSON' };
  }
}
