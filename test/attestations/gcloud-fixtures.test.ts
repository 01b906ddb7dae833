// The attestations gcloud 528.0.0 made (test/fixtures/gcloud/README.md): a Cloud KMS ECDSA P-256
// signature (sign-and-create), a local RSA-PSS 2048 signature (create --validate) and a GnuPG signed
// message. Key ids and algorithms are the ones in requests.json: the KMS key version resource and
// `ni:///sha-256;local-rsa`, the PGP fingerprint.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseAttestors,
  parseOccurrences,
  verifyAttestor,
  type AttestationOccurrence,
  type Attestor,
  type AttestorCheck,
} from '../../src/attestations/index.ts';
import { flipByte, readFixture, readJsonFixture } from './support.ts';

const KMS_KEY = '//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1';
const LOCAL_KEY = 'ni:///sha-256;local-rsa';
const PGP_KEY = 'FB41DE3BED0C4F0FA57DBA77E32510C4B948F783';
const IMAGE = { names: ['us-docker.pkg.dev/p1/repo/app'], digest: 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' };

// As `gcloud container binauthz attestors describe --format=json` would print them.
function attestor(name: string, note: string, keys: Record<string, unknown>[]): Attestor {
  const { attestors, problems } = parseAttestors({ name, userOwnedGrafeasNote: { noteReference: note, publicKeys: keys } });
  assert.deepEqual(problems, []);
  assert.ok(attestors[0]);
  return attestors[0];
}

const kmsKey = { id: KMS_KEY, pkixPublicKey: { publicKeyPem: readFixture('gcloud/kms-ec-p256-public.pem'), signatureAlgorithm: 'ECDSA_P256_SHA256' } };
const localKey = { id: LOCAL_KEY, pkixPublicKey: { publicKeyPem: readFixture('gcloud/local-rsa-public.pem'), signatureAlgorithm: 'RSA_PSS_2048_SHA256' } };
const pgpKey = { id: PGP_KEY, asciiArmoredPgpPublicKey: readFixture('gcloud/pgp-public.asc') };

function occurrences(file: string): AttestationOccurrence[] {
  const parsed = parseOccurrences(readJsonFixture(file));
  assert.deepEqual(parsed.problems, []);
  return parsed.occurrences;
}

const [kmsOccurrence, localOccurrence] = occurrences('gcloud/attestations-list.json');
const [pgpOccurrence] = occurrences('gcloud/pgp-attestations-list.json');

const cases = [
  {
    label: 'Cloud KMS ECDSA P-256',
    occurrence: kmsOccurrence,
    attestor: attestor('projects/p1/attestors/a1', 'projects/p1/notes/n1', [kmsKey]),
    keyId: KMS_KEY,
  },
  {
    label: 'local RSA-PSS 2048',
    occurrence: localOccurrence,
    attestor: attestor('projects/p1/attestors/a1', 'projects/p1/notes/n1', [localKey]),
    keyId: LOCAL_KEY,
  },
  {
    label: 'GnuPG signed message',
    occurrence: pgpOccurrence,
    attestor: attestor('projects/p1/attestors/pgp', 'projects/p1/notes/pgpnote', [pgpKey]),
    keyId: PGP_KEY,
  },
];

function withPayload(occurrence: AttestationOccurrence, change: (bytes: Buffer) => Buffer): AttestationOccurrence {
  assert.equal(occurrence.payload.kind, 'bytes');
  return occurrence.payload.kind === 'bytes' ? { ...occurrence, payload: { kind: 'bytes', bytes: change(occurrence.payload.bytes) } } : occurrence;
}

function withSignature(occurrence: AttestationOccurrence, change: (bytes: Buffer) => Buffer): AttestationOccurrence {
  const signatures = occurrence.signatures.map((s) =>
    s.signature.kind === 'bytes' ? { ...s, signature: { kind: 'bytes' as const, bytes: change(s.signature.bytes) } } : s,
  );
  return { ...occurrence, signatures };
}

function assertCause(result: AttestorCheck, cause: string): void {
  assert.equal(result.outcome === 'not-verified' && result.cause, cause, JSON.stringify(result));
}

describe('attestations made by gcloud', () => {
  for (const { label, occurrence, attestor: a, keyId } of cases) {
    assert.ok(occurrence);
    describe(label, () => {
      it('verifies', async () => {
        const result = await verifyAttestor(a, [occurrence], IMAGE);
        assert.deepEqual(result, { attestor: a.name, outcome: 'verified', occurrence: occurrence.name, keyId, notes: [] });
      });

      it('fails closed with bad-signature when any one payload byte is flipped', async () => {
        const length = occurrence.payload.kind === 'bytes' ? occurrence.payload.bytes.length : 0;
        // First byte, inside the docker-reference, inside the digest, the trailing newline.
        for (const index of [0, 60, 150, length - 1]) {
          assertCause(await verifyAttestor(a, [withPayload(occurrence, (bytes) => flipByte(bytes, index))], IMAGE), 'bad-signature');
        }
      });

      it('fails closed with bad-signature when any one signature byte is flipped', async () => {
        const length = occurrence.signatures[0]?.signature.kind === 'bytes' ? occurrence.signatures[0].signature.bytes.length : 0;
        for (const index of [0, 5, Math.floor(length / 2), length - 1]) {
          assertCause(await verifyAttestor(a, [withSignature(occurrence, (bytes) => flipByte(bytes, index))], IMAGE), 'bad-signature');
        }
      });
    });
  }

  it('one attestor holding both PKIX keys verifies with the first occurrence that checks', async () => {
    const both = attestor('projects/p1/attestors/a1', 'projects/p1/notes/n1', [localKey, kmsKey]);
    const result = await verifyAttestor(both, occurrences('gcloud/attestations-list.json'), IMAGE);
    assert.equal(result.outcome === 'verified' && result.keyId, KMS_KEY);
  });

  it('an attestor holding only the KMS key reports the local RSA signature as unknown-key', async () => {
    const kmsOnly = attestor('projects/p1/attestors/a1', 'projects/p1/notes/n1', [kmsKey]);
    assert.ok(localOccurrence);
    const result = await verifyAttestor(kmsOnly, [localOccurrence], IMAGE);
    assert.deepEqual(result, {
      attestor: 'projects/p1/attestors/a1',
      outcome: 'not-verified',
      cause: 'unknown-key',
      detail: `Attestor projects/p1/attestors/a1 does not hold key ${LOCAL_KEY}, which signed occurrence ${localOccurrence.name} (it holds ${KMS_KEY}).`,
    });
  });

  it('the KMS signature declared as the wrong algorithm is a bad key', async () => {
    const wrong = attestor('projects/p1/attestors/a1', 'projects/p1/notes/n1', [
      { ...kmsKey, pkixPublicKey: { ...kmsKey.pkixPublicKey, signatureAlgorithm: 'ECDSA_P384_SHA384' } },
    ]);
    assert.ok(kmsOccurrence);
    const result = await verifyAttestor(wrong, [kmsOccurrence], IMAGE);
    assertCause(result, 'bad-key');
    assert.match(
      result.outcome === 'not-verified' ? result.detail : '',
      /key \/\/cloudkms.* cannot check the signature on occurrence projects\/p1\/occurrences\/bc8cdda2.*: it is an EC key on curve prime256v1, but its signatureAlgorithm is ECDSA_P384_SHA384\.$/,
    );
  });
});
