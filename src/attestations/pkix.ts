// PKIX (X.509 SubjectPublicKeyInfo) keys: every `pkixPublicKey.signatureAlgorithm` the Binary
// Authorization v1 API defines, verified with node:crypto the way Cloud KMS signs (ECDSA signatures in
// DER, RSA-PSS with MGF1 over the same hash and a salt as long as the digest).

import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { AttestorKey } from './attestor.ts';
import type { SignatureCheck } from './verify.ts';
import { libraryReason, nameOrDescription } from '../yaml/values.ts';

export type PkixKey = Extract<AttestorKey, { kind: 'pkix' }>;

type Hash = 'sha256' | 'sha384' | 'sha512';

type PkixScheme =
  | { readonly family: 'ecdsa'; readonly curve: string; readonly curveLabel: string; readonly coordinateBytes: number; readonly hash: Hash }
  | { readonly family: 'rsa-pss' | 'rsa-pkcs1'; readonly bits: number; readonly hash: Hash };

const P256 = { family: 'ecdsa', curve: 'prime256v1', curveLabel: 'P-256', coordinateBytes: 32, hash: 'sha256' } as const;
const P384 = { family: 'ecdsa', curve: 'secp384r1', curveLabel: 'P-384', coordinateBytes: 48, hash: 'sha384' } as const;
const P521 = { family: 'ecdsa', curve: 'secp521r1', curveLabel: 'P-521', coordinateBytes: 66, hash: 'sha512' } as const;

const SCHEMES: ReadonlyMap<string, PkixScheme> = new Map<string, PkixScheme>([
  ['ECDSA_P256_SHA256', P256],
  ['EC_SIGN_P256_SHA256', P256],
  ['ECDSA_P384_SHA384', P384],
  ['EC_SIGN_P384_SHA384', P384],
  ['ECDSA_P521_SHA512', P521],
  ['EC_SIGN_P521_SHA512', P521],
  ['RSA_PSS_2048_SHA256', { family: 'rsa-pss', bits: 2048, hash: 'sha256' }],
  ['RSA_PSS_3072_SHA256', { family: 'rsa-pss', bits: 3072, hash: 'sha256' }],
  ['RSA_PSS_4096_SHA256', { family: 'rsa-pss', bits: 4096, hash: 'sha256' }],
  ['RSA_PSS_4096_SHA512', { family: 'rsa-pss', bits: 4096, hash: 'sha512' }],
  ['RSA_SIGN_PKCS1_2048_SHA256', { family: 'rsa-pkcs1', bits: 2048, hash: 'sha256' }],
  ['RSA_SIGN_PKCS1_3072_SHA256', { family: 'rsa-pkcs1', bits: 3072, hash: 'sha256' }],
  ['RSA_SIGN_PKCS1_4096_SHA256', { family: 'rsa-pkcs1', bits: 4096, hash: 'sha256' }],
  ['RSA_SIGN_PKCS1_4096_SHA512', { family: 'rsa-pkcs1', bits: 4096, hash: 'sha512' }],
]);

/** How an attestor's declared `signatureAlgorithm` signs: the family and hash (null when unknown). */
export function pkixScheme(algorithm: string): { readonly family: PkixScheme['family']; readonly hash: Hash } | null {
  return SCHEMES.get(algorithm) ?? null;
}

/** Every `signatureAlgorithm` value this verifier accepts (the API enum minus UNSPECIFIED). */
export const PKIX_ALGORITHMS: readonly string[] = [...SCHEMES.keys()];

const DIGEST_BYTES: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

type PreparedKey = { readonly ok: true; readonly key: KeyObject; readonly scheme: PkixScheme } | { readonly ok: false; readonly reason: string };

// Parsing a PEM costs more than verifying one ECDSA signature, so each attestor key is parsed once.
const prepared = new WeakMap<PkixKey, PreparedKey>();

export function verifyPkix(key: PkixKey, payload: Uint8Array, signature: Uint8Array): SignatureCheck {
  const ready = prepareKey(key);
  if (!ready.ok) return { result: 'bad-key', reason: ready.reason };
  if (checkSignature(ready.key, ready.scheme, payload, signature, saltLength(ready.scheme))) return { result: 'valid' };
  return { result: 'bad-signature', reason: failureReason(key.algorithm, ready, payload, signature) };
}

function prepareKey(key: PkixKey): PreparedKey {
  let ready = prepared.get(key);
  if (ready === undefined) {
    ready = parseKey(key);
    prepared.set(key, ready);
  }
  return ready;
}

function parseKey(key: PkixKey): PreparedKey {
  const scheme = SCHEMES.get(key.algorithm);
  if (scheme === undefined) {
    return { ok: false, reason: `its signatureAlgorithm ${nameOrDescription(key.algorithm, 'algorithm')} is not one Binary Authorization can verify with` };
  }
  // createPublicKey would also derive a public key from a pasted private key; an attestor holds SPKI only.
  if (!/-----BEGIN PUBLIC KEY-----/.test(key.pem)) {
    return { ok: false, reason: 'its publicKeyPem is not a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block' };
  }
  let parsed: KeyObject;
  try {
    parsed = createPublicKey({ key: key.pem, format: 'pem' });
  } catch (error) {
    return { ok: false, reason: `its publicKeyPem does not parse (${libraryReason(error)})` };
  }
  const mismatch = shapeMismatch(parsed, scheme);
  if (mismatch !== undefined) return { ok: false, reason: `it is ${mismatch}, but its signatureAlgorithm is ${key.algorithm}` };
  return { ok: true, key: parsed, scheme };
}

/** Says what the key really is when it does not fit the declared algorithm. */
function shapeMismatch(key: KeyObject, scheme: PkixScheme): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  const actual = describeKey(key);
  if (scheme.family === 'ecdsa') {
    return key.asymmetricKeyType === 'ec' && details.namedCurve === scheme.curve ? undefined : actual;
  }
  // An id-RSASSA-PSS key may pin its hash; one pinned to another hash cannot check this algorithm.
  const pssFits = key.asymmetricKeyType === 'rsa-pss' && scheme.family === 'rsa-pss' && (details.hashAlgorithm ?? scheme.hash) === scheme.hash;
  const typeFits = key.asymmetricKeyType === 'rsa' || pssFits;
  return typeFits && details.modulusLength === scheme.bits ? undefined : actual;
}

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return `an EC key on curve ${details.namedCurve ?? 'unknown'}`;
    case 'rsa':
    case 'rsa-pss':
      return `a ${details.modulusLength ?? '?'}-bit ${key.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS'} key`;
    default:
      return `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
  }
}

function saltLength(scheme: PkixScheme): number {
  return DIGEST_BYTES[scheme.hash];
}

function checkSignature(key: KeyObject, scheme: PkixScheme, payload: Uint8Array, signature: Uint8Array, salt: number): boolean {
  try {
    if (scheme.family === 'ecdsa') return verify(scheme.hash, payload, { key, dsaEncoding: 'der' }, signature);
    if (scheme.family === 'rsa-pkcs1') return verify(scheme.hash, payload, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return verify(scheme.hash, payload, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }, signature);
  } catch {
    // OpenSSL rejects some malformed signatures with an error instead of "false"; both mean "does not verify".
    return false;
  }
}

/** A plain "does not verify", or the likely mistake when the bytes show one. */
function failureReason(algorithm: string, ready: Extract<PreparedKey, { ok: true }>, payload: Uint8Array, signature: Uint8Array): string {
  const { scheme, key } = ready;
  if (scheme.family === 'ecdsa' && signature.length === 2 * scheme.coordinateBytes && signature[0] !== 0x30) {
    return `the ${algorithm} check fails; the signature looks like raw r||s (IEEE P1363), but Binary Authorization expects DER as Cloud KMS and openssl make it`;
  }
  if (scheme.family === 'rsa-pss' && checkSignature(key, scheme, payload, signature, constants.RSA_PSS_SALTLEN_AUTO)) {
    return `the ${algorithm} check fails; the PSS salt is not ${saltLength(scheme)} bytes (the digest length Cloud KMS uses): sign with -sigopt rsa_pss_saltlen:digest`;
  }
  return `the ${algorithm} check fails`;
}
