import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyIdMatches, parseAttestors } from '../../src/attestations/index.ts';
import { readFixture, readJsonFixture } from './support.ts';

const PEM = readFixture('gcloud/kms-ec-p256-public.pem');

function describeOutput(publicKeys: unknown): Record<string, unknown> {
  return {
    name: 'projects/p1/attestors/a1',
    updateTime: '2026-01-01T00:00:00Z',
    userOwnedGrafeasNote: { noteReference: 'projects/p1/notes/n1', publicKeys },
  };
}

describe('parseAttestors', () => {
  it('reads the attestors of the conformance cases as gcloud describe prints them', () => {
    const fixture = readJsonFixture('attestations/conformance/attestation-two-attestors-both.json') as { attestors: unknown };
    const { attestors, problems } = parseAttestors(fixture.attestors);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      attestors.map((a) => [a.name, a.noteReference, a.publicKeys.map((k) => (k.kind === 'pkix' ? k.algorithm : k.kind))]),
      [
        ['projects/p1/attestors/a1', 'projects/p1/notes/a1-note', ['ECDSA_P256_SHA256']],
        ['projects/p1/attestors/a2', 'projects/p1/notes/a2-note', ['RSA_PSS_2048_SHA256']],
      ],
    );
  });

  it('accepts one object, a list, and the REST list body', () => {
    const one = describeOutput([{ id: 'k1', pkixPublicKey: { publicKeyPem: PEM, signatureAlgorithm: 'ECDSA_P256_SHA256' } }]);
    for (const input of [one, [one], { attestors: [one] }]) {
      const { attestors, problems } = parseAttestors(input);
      assert.deepEqual(problems, []);
      assert.deepEqual(attestors, [
        {
          name: 'projects/p1/attestors/a1',
          noteReference: 'projects/p1/notes/n1',
          publicKeys: [{ id: 'k1', kind: 'pkix', pem: PEM, algorithm: 'ECDSA_P256_SHA256' }],
        },
      ]);
    }
  });

  it('reads PGP keys and the v1beta1 userOwnedDrydockNote spelling', () => {
    const armored = readFixture('gcloud/pgp-public.asc');
    const { attestors, problems } = parseAttestors({
      name: 'projects/p1/attestors/pgp',
      userOwnedDrydockNote: { noteReference: 'projects/p1/notes/pgpnote', publicKeys: [{ id: 'FB41DE3B', asciiArmoredPgpPublicKey: armored }] },
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(attestors[0]?.publicKeys, [{ id: 'FB41DE3B', kind: 'pgp', armored }]);
  });

  it('keeps an attestor with no keys: it is valid and simply never verifies', () => {
    for (const keys of [[], undefined]) {
      const { attestors, problems } = parseAttestors(describeOutput(keys));
      assert.deepEqual(problems, []);
      assert.deepEqual(attestors[0]?.publicKeys, []);
    }
  });

  it('skips an attestor without a note or name, naming it and the field', () => {
    const { attestors, problems } = parseAttestors([
      { name: 'projects/p1/attestors/nonote' },
      { name: 'projects/p1/attestors/empty', userOwnedGrafeasNote: { publicKeys: [] } },
      { userOwnedGrafeasNote: { noteReference: 'projects/p1/notes/n1' } },
      'projects/p1/attestors/a1',
    ]);
    assert.deepEqual(attestors, []);
    assert.match(problems[0] ?? '', /^Attestor projects\/p1\/attestors\/nonote has no userOwnedGrafeasNote\.noteReference/);
    assert.match(problems[1] ?? '', /^Attestor projects\/p1\/attestors\/empty has no userOwnedGrafeasNote\.noteReference/);
    assert.match(problems[2] ?? '', /^Attestor #3 has no name/);
    assert.match(problems[3] ?? '', /^Attestor #4 is not an object/);
  });

  it('skips keys of unknown shape and keeps the good ones, naming attestor, index and id', () => {
    const { attestors, problems } = parseAttestors(
      describeOutput([
        { pkixPublicKey: { publicKeyPem: PEM, signatureAlgorithm: 'ECDSA_P256_SHA256' } },
        { id: 'k-none' },
        { id: 'k-both', pkixPublicKey: { publicKeyPem: PEM }, asciiArmoredPgpPublicKey: 'x' },
        { id: 'k-nopem', pkixPublicKey: { signatureAlgorithm: 'ECDSA_P256_SHA256' } },
        { id: 'k-noalg', pkixPublicKey: { publicKeyPem: PEM } },
        { id: 'k-good', pkixPublicKey: { publicKeyPem: PEM, signatureAlgorithm: 'EC_SIGN_P256_SHA256' } },
      ]),
    );
    assert.deepEqual(
      attestors[0]?.publicKeys.map((k) => [k.id, k.kind === 'pkix' ? k.algorithm : '']),
      [
        ['k-noalg', 'SIGNATURE_ALGORITHM_UNSPECIFIED'],
        ['k-good', 'EC_SIGN_P256_SHA256'],
      ],
    );
    assert.deepEqual(problems, [
      'Attestor projects/p1/attestors/a1: publicKeys[0] has no id; the key is skipped.',
      'Attestor projects/p1/attestors/a1: publicKeys[1] (id k-none) has neither pkixPublicKey nor asciiArmoredPgpPublicKey as a string; the key is skipped.',
      'Attestor projects/p1/attestors/a1: publicKeys[2] (id k-both) has both pkixPublicKey and asciiArmoredPgpPublicKey; the key is skipped.',
      'Attestor projects/p1/attestors/a1: publicKeys[3] (id k-nopem) has no pkixPublicKey.publicKeyPem; the key is skipped.',
      'Attestor projects/p1/attestors/a1: publicKeys[4] (id k-noalg) has no pkixPublicKey.signatureAlgorithm; signatures by it will not verify.',
    ]);
  });

  it('reports input that is no attestor at all', () => {
    assert.deepEqual(parseAttestors('nope').attestors, []);
    assert.match(parseAttestors(42).problems[0] ?? '', /must be an attestor object/);
  });
});

describe('keyIdMatches', () => {
  it('matches PKIX ids exactly and PGP fingerprints ignoring case and spaces', () => {
    const pkix = { id: 'ni:///sha-256;Abc', kind: 'pkix', pem: PEM, algorithm: 'ECDSA_P256_SHA256' } as const;
    const pgp = { id: 'FB41DE3BED0C4F0FA57DBA77E32510C4B948F783', kind: 'pgp', armored: '' } as const;
    assert.equal(keyIdMatches(pkix, 'ni:///sha-256;Abc'), true);
    assert.equal(keyIdMatches(pkix, 'ni:///sha-256;abc'), false);
    assert.equal(keyIdMatches(pgp, 'fb41 de3b ed0c 4f0f a57d  ba77 e325 10c4 b948 f783'), true);
    assert.equal(keyIdMatches(pgp, 'E32510C4B948F783'), false);
  });
});
