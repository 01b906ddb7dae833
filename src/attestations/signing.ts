// Signing an attestation payload as Cloud KMS or a local key would, so that the attestor's
// declared algorithm verifies it: ECDSA in DER, RSA-PSS with a salt as long as the digest.
import { constants, createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { pkixScheme } from './pkix.ts';

export type Hash = 'sha256' | 'sha384' | 'sha512';
export interface SigningScheme {
  readonly family: 'ecdsa' | 'rsa-pss' | 'rsa-pkcs1';
  readonly hash: Hash;
}

/** Cloud KMS asymmetric signing algorithms (CryptoKeyVersion.algorithm) binauthz-gate can use. */
export function kmsSigningScheme(algorithm: string): SigningScheme | null {
  const ec = /^EC_SIGN_P(256|384)_SHA(256|384)$/.exec(algorithm);
  if (ec) return { family: 'ecdsa', hash: `sha${ec[2]}` as Hash };
  const rsa = /^RSA_SIGN_(PSS|PKCS1)_(2048|3072|4096)_SHA(256|512)$/.exec(algorithm);
  if (rsa) return { family: rsa[1] === 'PSS' ? 'rsa-pss' : 'rsa-pkcs1', hash: `sha${rsa[3]}` as Hash };
  return null;
}

/** The scheme an attestor key's declared `signatureAlgorithm` expects. */
export function attestorSigningScheme(algorithm: string): SigningScheme | null {
  return pkixScheme(algorithm);
}

export function payloadDigest(hash: Hash, payload: Uint8Array): Buffer {
  return createHash(hash).update(payload).digest();
}

export type ReadKey = { readonly ok: true; readonly key: KeyObject } | { readonly ok: false; readonly problem: string };

/** PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) PEM; never echoes the key. */
export function readSigningKey(pem: string): ReadKey {
  if (/ENCRYPTED/.test(pem)) return { ok: false, problem: 'the private key is encrypted: decrypt it first (openssl pkey -in KEY -out PLAIN)' };
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    const type = key.asymmetricKeyType;
    if (type !== 'ec' && type !== 'rsa')
      return { ok: false, problem: `a ${type ?? 'unknown'} key cannot sign for Binary Authorization: use an EC (P-256/P-384/P-521) or RSA key` };
    return { ok: true, key };
  } catch {
    return { ok: false, problem: 'not a PEM private key (PKCS#8, SEC1 or PKCS#1)' };
  }
}

/** Whether a local key can make signatures of this scheme (curve and type must fit). */
export function keyFitsScheme(key: KeyObject, scheme: SigningScheme): string | null {
  const type = key.asymmetricKeyType;
  if (scheme.family === 'ecdsa') {
    if (type !== 'ec') return `the attestor expects ECDSA, but the key is ${type}`;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const expected = { sha256: 'prime256v1', sha384: 'secp384r1', sha512: 'secp521r1' }[scheme.hash];
    return curve === expected ? null : `the attestor expects curve ${expected}, but the key is on ${curve}`;
  }
  return type === 'rsa' ? null : `the attestor expects RSA, but the key is ${type}`;
}

export function signLocally(key: KeyObject, scheme: SigningScheme, payload: Uint8Array): Buffer {
  if (scheme.family === 'rsa-pss') {
    return sign(scheme.hash, payload, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  }
  return sign(scheme.hash, payload, { key, dsaEncoding: 'der' });
}
