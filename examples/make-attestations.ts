// Regenerates examples/attestors.json and examples/attestations.json: a throwaway P-256 key
// signs gcloud's payload for the checkout image, as `gcloud container binauthz attestations
// sign-and-create` would. Run: npx node examples/make-attestations.ts
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createSignaturePayload } from '../src/attestations/payload.ts';

const image = 'us-central1-docker.pkg.dev/example-prod/apps/checkout';
const digest = 'sha256:5b8e3a6f2d1c0b9a8e7f6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928';
const keyId = '//cloudkms.googleapis.com/v1/projects/example-prod/locations/global/keyRings/ci/cryptoKeys/attestor/cryptoKeyVersions/1';
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const payload = createSignaturePayload(image, digest);
const signature = sign('sha256', payload, privateKey).toString('base64url');

const attestor = {
  name: 'projects/example-prod/attestors/built-by-ci',
  userOwnedGrafeasNote: {
    noteReference: 'projects/example-prod/notes/built-by-ci',
    publicKeys: [{ id: keyId, pkixPublicKey: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }), signatureAlgorithm: 'ECDSA_P256_SHA256' } }],
  },
  updateTime: '2026-11-01T00:00:00Z',
};
const occurrence = {
  attestation: { serializedPayload: payload.toString('base64'), signatures: [{ publicKeyId: keyId, signature }] },
  createTime: '2026-11-02T00:00:00Z',
  kind: 'ATTESTATION',
  name: 'projects/example-prod/occurrences/3f1c2b7e-0d4a-4e59-9b1f-6a2d8c7e5f10',
  noteName: 'projects/example-prod/notes/built-by-ci',
  resourceUri: `${image}@${digest}`,
  updateTime: '2026-11-02T00:00:00Z',
};
writeFileSync(new URL('attestors.json', import.meta.url), `${JSON.stringify([attestor], null, 2)}\n`);
writeFileSync(new URL('attestations.json', import.meta.url), `${JSON.stringify([occurrence], null, 2)}\n`);
