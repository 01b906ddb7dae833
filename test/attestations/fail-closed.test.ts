// A signature check that cannot be carried out is a failure, never a verification: a verifier that
// throws, an OpenSSL refusal, and an id-RSASSA-PSS key whose parameters forbid the declared algorithm.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createSignaturePayload, parseOccurrences, verifyAttestor, verifySignature, type AttestorKey } from '../../src/attestations/index.ts';
import { attestorWith, DIGEST, IMAGE, NAME, occurrenceJson, pemOf } from './support.ts';

const PAYLOAD = createSignaturePayload(NAME, DIGEST);
const FAILED = ['bad-signature', 'bad-key'];

function pkixKey(publicKey: KeyObject, algorithm: string): AttestorKey {
  return { id: `ni:///sha-256;${algorithm.toLowerCase()}`, kind: 'pkix', pem: pemOf(publicKey), algorithm };
}

function pss(privateKey: KeyObject, hash: string, saltLength: number): Buffer {
  return sign(hash, PAYLOAD, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

/** The whole per-attestor check over one occurrence signed by `key`. */
async function attestorCheck(key: AttestorKey, signature: Uint8Array): Promise<string> {
  const json = occurrenceJson({ payload: PAYLOAD, signatures: [{ publicKeyId: key.id, signature }] });
  const { occurrences, problems } = parseOccurrences([json]);
  assert.deepEqual(problems, []);
  return (await verifyAttestor(attestorWith([key]), occurrences, IMAGE)).outcome;
}

// Key generation dominates; each key shape is made once.
function pssKeyPair(hash: string, minimumSalt: number): { publicKey: KeyObject; privateKey: KeyObject } {
  // @types/node declares saltLength a string; Node takes the byte count.
  return generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: hash, mgf1HashAlgorithm: hash, saltLength: minimumSalt as unknown as string });
}
const pinnedSha256 = pssKeyPair('sha256', 32);
const pinnedSha512 = pssKeyPair('sha512', 64);
const longSaltOnly = pssKeyPair('sha256', 64);
const unpinned = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });

describe('a verifier that throws fails closed', () => {
  it('an attestor key that throws when read gives a failed check, not an exception or a pass', async () => {
    const exploding = {
      id: 'k',
      kind: 'pkix',
      algorithm: 'ECDSA_P256_SHA256',
      get pem(): string {
        throw new Error('unexpected');
      },
    } as AttestorKey;
    const check = await verifySignature(exploding, PAYLOAD, Buffer.alloc(72, 1));
    assert.ok(FAILED.includes(check.result), JSON.stringify(check));
    if (check.result !== 'valid') assert.ok(check.reason.length > 0);
  });

  it("a PSS check OpenSSL refuses (salt below the key's minimum) is not a verification", async () => {
    // The key demands salts of at least 64 bytes; Binary Authorization checks with the digest length (32),
    // which OpenSSL refuses with an error rather than "false".
    const key = pkixKey(longSaltOnly.publicKey, 'RSA_PSS_2048_SHA256');
    for (const signature of [pss(longSaltOnly.privateKey, 'sha256', 64), Buffer.alloc(256, 1)]) {
      const check = await verifySignature(key, PAYLOAD, signature);
      assert.ok(FAILED.includes(check.result), JSON.stringify(check));
      assert.equal(await attestorCheck(key, signature), 'not-verified');
    }
  });
});

describe('id-RSASSA-PSS attestor keys', () => {
  it('a key pinned to the declared hash verifies a Cloud KMS-style signature', async () => {
    const key = pkixKey(pinnedSha256.publicKey, 'RSA_PSS_2048_SHA256');
    const signature = pss(pinnedSha256.privateKey, 'sha256', 32);
    assert.deepEqual(await verifySignature(key, PAYLOAD, signature), { result: 'valid' });
    assert.equal(await attestorCheck(key, signature), 'verified');
  });

  it('a key with no pinned parameters verifies too', async () => {
    const key = pkixKey(unpinned.publicKey, 'RSA_PSS_2048_SHA256');
    assert.deepEqual(await verifySignature(key, PAYLOAD, pss(unpinned.privateKey, 'sha256', 32)), { result: 'valid' });
  });

  it('a key pinned to another hash is a bad key for the declared algorithm', async () => {
    const key = pkixKey(pinnedSha512.publicKey, 'RSA_PSS_2048_SHA256');
    for (const signature of [pss(pinnedSha512.privateKey, 'sha512', 64), Buffer.alloc(256, 1)]) {
      const check = await verifySignature(key, PAYLOAD, signature);
      assert.equal(check.result, 'bad-key', JSON.stringify(check));
      assert.equal(await attestorCheck(key, signature), 'not-verified');
    }
  });

  it('a PSS key is not accepted under a PKCS#1 declaration', async () => {
    const key = pkixKey(pinnedSha256.publicKey, 'RSA_SIGN_PKCS1_2048_SHA256');
    const check = await verifySignature(key, PAYLOAD, pss(pinnedSha256.privateKey, 'sha256', 32));
    assert.equal(check.result, 'bad-key', JSON.stringify(check));
  });
});
