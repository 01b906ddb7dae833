import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSignaturePayload, parseOccurrences, PKIX_ALGORITHMS, verifyAttestor, verifySignature, type AttestorKey } from '../../src/attestations/index.ts';
import { attestorWith, base64Spellings, DIGEST, flipByte, IMAGE, NAME, occurrenceJson, pemOf, signPayload, type SigningScheme } from './support.ts';

// The pkixPublicKey.signatureAlgorithm enum of the Binary Authorization v1 API, less UNSPECIFIED.
const SCHEMES: Readonly<Record<string, SigningScheme>> = {
  ECDSA_P256_SHA256: { keyType: 'ec', curveOrBits: 'P-256', hash: 'sha256', padding: 'ecdsa' },
  EC_SIGN_P256_SHA256: { keyType: 'ec', curveOrBits: 'P-256', hash: 'sha256', padding: 'ecdsa' },
  ECDSA_P384_SHA384: { keyType: 'ec', curveOrBits: 'P-384', hash: 'sha384', padding: 'ecdsa' },
  EC_SIGN_P384_SHA384: { keyType: 'ec', curveOrBits: 'P-384', hash: 'sha384', padding: 'ecdsa' },
  ECDSA_P521_SHA512: { keyType: 'ec', curveOrBits: 'P-521', hash: 'sha512', padding: 'ecdsa' },
  EC_SIGN_P521_SHA512: { keyType: 'ec', curveOrBits: 'P-521', hash: 'sha512', padding: 'ecdsa' },
  RSA_PSS_2048_SHA256: { keyType: 'rsa', curveOrBits: 2048, hash: 'sha256', padding: 'pss' },
  RSA_PSS_3072_SHA256: { keyType: 'rsa', curveOrBits: 3072, hash: 'sha256', padding: 'pss' },
  RSA_PSS_4096_SHA256: { keyType: 'rsa', curveOrBits: 4096, hash: 'sha256', padding: 'pss' },
  RSA_PSS_4096_SHA512: { keyType: 'rsa', curveOrBits: 4096, hash: 'sha512', padding: 'pss' },
  RSA_SIGN_PKCS1_2048_SHA256: { keyType: 'rsa', curveOrBits: 2048, hash: 'sha256', padding: 'pkcs1' },
  RSA_SIGN_PKCS1_3072_SHA256: { keyType: 'rsa', curveOrBits: 3072, hash: 'sha256', padding: 'pkcs1' },
  RSA_SIGN_PKCS1_4096_SHA256: { keyType: 'rsa', curveOrBits: 4096, hash: 'sha256', padding: 'pkcs1' },
  RSA_SIGN_PKCS1_4096_SHA512: { keyType: 'rsa', curveOrBits: 4096, hash: 'sha512', padding: 'pkcs1' },
};

// For each algorithm, a declaration whose key shape differs (other curve, size or family).
const MISDECLARED: Readonly<Record<string, string>> = {
  ECDSA_P256_SHA256: 'ECDSA_P384_SHA384',
  EC_SIGN_P256_SHA256: 'RSA_PSS_2048_SHA256',
  ECDSA_P384_SHA384: 'ECDSA_P521_SHA512',
  EC_SIGN_P384_SHA384: 'EC_SIGN_P256_SHA256',
  ECDSA_P521_SHA512: 'ECDSA_P256_SHA256',
  EC_SIGN_P521_SHA512: 'RSA_SIGN_PKCS1_4096_SHA512',
  RSA_PSS_2048_SHA256: 'RSA_PSS_3072_SHA256',
  RSA_PSS_3072_SHA256: 'RSA_PSS_4096_SHA256',
  RSA_PSS_4096_SHA256: 'RSA_PSS_2048_SHA256',
  RSA_PSS_4096_SHA512: 'ECDSA_P521_SHA512',
  RSA_SIGN_PKCS1_2048_SHA256: 'RSA_SIGN_PKCS1_4096_SHA256',
  RSA_SIGN_PKCS1_3072_SHA256: 'RSA_SIGN_PKCS1_2048_SHA256',
  RSA_SIGN_PKCS1_4096_SHA256: 'RSA_SIGN_PKCS1_3072_SHA256',
  RSA_SIGN_PKCS1_4096_SHA512: 'EC_SIGN_P384_SHA384',
};

const PAYLOAD = createSignaturePayload(NAME, DIGEST);

// Key generation dominates the run time; one pair (and one "other" pair) per key shape.
const keyPairs = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
function keyPair(scheme: SigningScheme, which: 'main' | 'other'): { publicKey: KeyObject; privateKey: KeyObject } {
  const cacheKey = `${scheme.keyType}-${scheme.curveOrBits}-${which}`;
  let pair = keyPairs.get(cacheKey);
  if (pair === undefined) {
    pair =
      scheme.keyType === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: String(scheme.curveOrBits) })
        : generateKeyPairSync('rsa', { modulusLength: Number(scheme.curveOrBits) });
    keyPairs.set(cacheKey, pair);
  }
  return pair;
}

function keyFor(algorithm: string, publicKey: KeyObject, declared = algorithm): AttestorKey {
  return {
    id: `//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/r/cryptoKeys/${algorithm}/cryptoKeyVersions/1`,
    kind: 'pkix',
    pem: pemOf(publicKey),
    algorithm: declared,
  };
}

function schemeOf(algorithm: string): SigningScheme {
  const scheme = SCHEMES[algorithm];
  assert.ok(scheme, `no scheme for ${algorithm}`);
  return scheme;
}

describe('PKIX verification', () => {
  it('covers exactly the API enum', () => {
    assert.deepEqual([...PKIX_ALGORITHMS].sort(), Object.keys(SCHEMES).sort());
  });

  for (const algorithm of Object.keys(SCHEMES)) {
    describe(algorithm, () => {
      const scheme = schemeOf(algorithm);

      it('verifies a node:crypto signature, in every base64 spelling, through the whole check', async () => {
        const { publicKey, privateKey } = keyPair(scheme, 'main');
        const key = keyFor(algorithm, publicKey);
        const signature = signPayload(scheme, privateKey, PAYLOAD);
        assert.deepEqual(await verifySignature(key, PAYLOAD, signature), { result: 'valid' });
        const payloads = base64Spellings(PAYLOAD);
        for (const [index, { label, text }] of base64Spellings(signature).entries()) {
          const json = occurrenceJson({ payload: payloads[index]?.text ?? '', signatures: [{ publicKeyId: key.id, signature: text }] });
          const { occurrences, problems } = parseOccurrences([json]);
          assert.deepEqual(problems, []);
          const check = await verifyAttestor(attestorWith([key]), occurrences, IMAGE);
          assert.equal(check.outcome, 'verified', `${label}: ${JSON.stringify(check)}`);
        }
      });

      it('fails closed on a tampered payload or signature', async () => {
        const { publicKey, privateKey } = keyPair(scheme, 'main');
        const key = keyFor(algorithm, publicKey);
        const signature = signPayload(scheme, privateKey, PAYLOAD);
        const tamperedPayload = await verifySignature(key, flipByte(PAYLOAD, 40), signature);
        assert.equal(tamperedPayload.result, 'bad-signature');
        const tamperedSignature = await verifySignature(key, PAYLOAD, flipByte(signature, signature.length - 3));
        assert.equal(tamperedSignature.result, 'bad-signature');
        assert.equal((await verifySignature(key, PAYLOAD, signature.subarray(0, 8))).result, 'bad-signature');
      });

      it('rejects a signature by another key of the same algorithm', async () => {
        const key = keyFor(algorithm, keyPair(scheme, 'main').publicKey);
        const signature = signPayload(scheme, keyPair(scheme, 'other').privateKey, PAYLOAD);
        const check = await verifySignature(key, PAYLOAD, signature);
        assert.deepEqual(check, { result: 'bad-signature', reason: `the ${algorithm} check fails` });
      });

      it('calls a key that does not fit its declared algorithm a bad key', async () => {
        const { publicKey, privateKey } = keyPair(scheme, 'main');
        const declared = MISDECLARED[algorithm] ?? '';
        const check = await verifySignature(keyFor(algorithm, publicKey, declared), PAYLOAD, signPayload(scheme, privateKey, PAYLOAD));
        assert.equal(check.result, 'bad-key');
        if (check.result === 'bad-key') assert.match(check.reason, new RegExp(`^it is an? .*, but its signatureAlgorithm is ${declared}$`));
      });
    });
  }

  it('names the key shape in a mismatch', async () => {
    const p256 = keyPair(schemeOf('ECDSA_P256_SHA256'), 'main').publicKey;
    const rsa2048 = keyPair(schemeOf('RSA_PSS_2048_SHA256'), 'main').publicKey;
    const ecAsRsa = await verifySignature(keyFor('x', p256, 'RSA_PSS_2048_SHA256'), PAYLOAD, Buffer.alloc(8));
    assert.deepEqual(ecAsRsa, { result: 'bad-key', reason: 'it is an EC key on curve prime256v1, but its signatureAlgorithm is RSA_PSS_2048_SHA256' });
    const rsaAsBigger = await verifySignature(keyFor('x', rsa2048, 'RSA_SIGN_PKCS1_3072_SHA256'), PAYLOAD, Buffer.alloc(8));
    assert.deepEqual(rsaAsBigger, { result: 'bad-key', reason: 'it is a 2048-bit RSA key, but its signatureAlgorithm is RSA_SIGN_PKCS1_3072_SHA256' });
    const ed = generateKeyPairSync('ed25519').publicKey;
    const edAsEc = await verifySignature(keyFor('x', ed, 'ECDSA_P256_SHA256'), PAYLOAD, Buffer.alloc(8));
    assert.deepEqual(edAsEc, { result: 'bad-key', reason: 'it is a key of type ed25519, but its signatureAlgorithm is ECDSA_P256_SHA256' });
  });

  it('calls unknown or unspecified algorithms, unreadable PEM and private keys bad keys', async () => {
    const { publicKey, privateKey } = keyPair(schemeOf('ECDSA_P256_SHA256'), 'main');
    const pem = pemOf(publicKey);
    const cases: [AttestorKey, RegExp][] = [
      [{ id: 'k', kind: 'pkix', pem, algorithm: 'SIGNATURE_ALGORITHM_UNSPECIFIED' }, /SIGNATURE_ALGORITHM_UNSPECIFIED is not one/],
      [{ id: 'k', kind: 'pkix', pem, algorithm: 'RSA_SIGN_PSS_2048_SHA256' }, /RSA_SIGN_PSS_2048_SHA256 is not one/],
      [{ id: 'k', kind: 'pkix', pem, algorithm: 'constructor' }, /constructor is not one/],
      [
        {
          id: 'k',
          kind: 'pkix',
          pem: pem
            .split('\n')
            .filter((_, line) => line !== 2)
            .join('\n'),
          algorithm: 'ECDSA_P256_SHA256',
        },
        /publicKeyPem does not parse/,
      ],
      [{ id: 'k', kind: 'pkix', pem: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', algorithm: 'ECDSA_P256_SHA256' }, /not a PEM "PUBLIC KEY"/],
      [
        { id: 'k', kind: 'pkix', pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ECDSA_P256_SHA256' },
        /not a PEM "PUBLIC KEY"/,
      ],
    ];
    for (const [key, reason] of cases) {
      const check = await verifySignature(key, PAYLOAD, Buffer.alloc(64));
      assert.equal(check.result, 'bad-key');
      if (check.result === 'bad-key') assert.match(check.reason, reason);
    }
  });

  it('does not accept PKCS#1 v1.5 under a PSS declaration, nor the reverse', async () => {
    const { publicKey, privateKey } = keyPair(schemeOf('RSA_PSS_2048_SHA256'), 'main');
    const pkcs1 = signPayload(schemeOf('RSA_SIGN_PKCS1_2048_SHA256'), privateKey, PAYLOAD);
    const pss = signPayload(schemeOf('RSA_PSS_2048_SHA256'), privateKey, PAYLOAD);
    assert.equal((await verifySignature(keyFor('a', publicKey, 'RSA_PSS_2048_SHA256'), PAYLOAD, pkcs1)).result, 'bad-signature');
    assert.equal((await verifySignature(keyFor('a', publicKey, 'RSA_SIGN_PKCS1_2048_SHA256'), PAYLOAD, pss)).result, 'bad-signature');
  });

  it('explains a raw r||s ECDSA signature', async () => {
    const { publicKey, privateKey } = keyPair(schemeOf('ECDSA_P256_SHA256'), 'main');
    const { sign } = await import('node:crypto');
    const raw = sign('sha256', PAYLOAD, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const check = await verifySignature(keyFor('a', publicKey, 'ECDSA_P256_SHA256'), PAYLOAD, raw);
    assert.equal(check.result, 'bad-signature');
    if (check.result === 'bad-signature') assert.match(check.reason, /raw r\|\|s \(IEEE P1363\).*DER/);
  });
});

// Vectors made by the openssl command line, the way the Binary Authorization docs sign with local keys.
describe('PKIX verification of openssl-made signatures', () => {
  let dir = '';
  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'binauthz-openssl-'));
    writeFileSync(join(dir, 'payload.json'), PAYLOAD);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  function makeKey(name: string, keyArgs: string[]): string {
    openssl('genpkey', ...keyArgs, '-out', `${name}.key`);
    openssl('pkey', '-in', `${name}.key`, '-pubout', '-out', `${name}.pub`);
    return readFileSync(join(dir, `${name}.pub`), 'utf8');
  }

  function signWith(name: string, digest: string, sigopts: string[]): Buffer {
    openssl('dgst', `-${digest}`, '-sign', `${name}.key`, ...sigopts, '-out', `${name}.sig`, 'payload.json');
    return readFileSync(join(dir, `${name}.sig`));
  }

  const vectors: { algorithm: string; keyArgs: string[]; digest: string; sigopts: string[] }[] = [
    { algorithm: 'ECDSA_P256_SHA256', keyArgs: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], digest: 'sha256', sigopts: [] },
    { algorithm: 'ECDSA_P384_SHA384', keyArgs: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], digest: 'sha384', sigopts: [] },
    {
      algorithm: 'RSA_PSS_2048_SHA256',
      keyArgs: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      digest: 'sha256',
      sigopts: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
    },
    { algorithm: 'RSA_SIGN_PKCS1_3072_SHA256', keyArgs: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'], digest: 'sha256', sigopts: [] },
  ];

  for (const vector of vectors) {
    it(`${vector.algorithm}: verifies, and fails tampered, cross-key and misdeclared`, { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
      const name = vector.algorithm.toLowerCase();
      const pem = makeKey(name, vector.keyArgs);
      const otherPem = makeKey(`${name}-other`, vector.keyArgs);
      const signature = signWith(name, vector.digest, vector.sigopts);
      const key: AttestorKey = { id: `ni:///sha-256;${name}`, kind: 'pkix', pem, algorithm: vector.algorithm };
      assert.deepEqual(await verifySignature(key, PAYLOAD, signature), { result: 'valid' });
      assert.equal((await verifySignature(key, flipByte(PAYLOAD, 100), signature)).result, 'bad-signature');
      assert.equal((await verifySignature({ ...key, pem: otherPem }, PAYLOAD, signature)).result, 'bad-signature');
      const misdeclared = MISDECLARED[vector.algorithm] ?? '';
      assert.equal((await verifySignature({ ...key, algorithm: misdeclared }, PAYLOAD, signature)).result, 'bad-key');
    });
  }

  it("explains an RSA-PSS signature made with openssl's longest salt instead of the digest length", {
    skip: !hasOpenssl && 'openssl is not installed',
  }, async () => {
    const pem = makeKey('pss-max', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    const signature = signWith('pss-max', 'sha256', ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max']);
    const check = await verifySignature({ id: 'k', kind: 'pkix', pem, algorithm: 'RSA_PSS_2048_SHA256' }, PAYLOAD, signature);
    assert.equal(check.result, 'bad-signature');
    if (check.result === 'bad-signature') assert.match(check.reason, /PSS salt is not 32 bytes.*rsa_pss_saltlen:digest/);
  });
});
