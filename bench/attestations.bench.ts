// How much process time verifying many attestations costs: 1,000 ECDSA P-256 attestations (as Cloud KMS
// makes them) for 1,000 digests of one repository, each image checked against all 1,000 occurrences.
// Run: npx node bench/attestations.bench.ts

import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createSignaturePayload, parseAttestors, parseOccurrences, verifyAttestor } from '../src/attestations/index.ts';

const COUNT = 1000;
const NAME = 'us-docker.pkg.dev/p1/r/web';
const NOTE = 'projects/p1/notes/n1';
const KEY_ID = '//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/ring/cryptoKeys/a1/cryptoKeyVersions/1';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const digests = Array.from({ length: COUNT }, (_, i) => `sha256:${createHash('sha256').update(`image ${i}`).digest('hex')}`);

const occurrenceJson = digests.map((digest, i) => {
  const payload = createSignaturePayload(NAME, digest);
  return {
    attestation: {
      serializedPayload: payload.toString('base64url'),
      signatures: [{ publicKeyId: KEY_ID, signature: sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64url') }],
    },
    kind: 'ATTESTATION',
    name: `projects/p1/occurrences/${i}`,
    noteName: NOTE,
    resourceUri: `${NAME}@${digest}`,
  };
});
const attestorJson = {
  name: 'projects/p1/attestors/a1',
  userOwnedGrafeasNote: {
    noteReference: NOTE,
    publicKeys: [
      { id: KEY_ID, pkixPublicKey: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), signatureAlgorithm: 'ECDSA_P256_SHA256' } },
    ],
  },
};

const start = process.cpuUsage();
const { occurrences } = parseOccurrences(occurrenceJson);
const [attestor] = parseAttestors(attestorJson).attestors;
if (attestor === undefined) throw new Error('attestor did not parse');
let verified = 0;
for (const digest of digests) {
  const check = await verifyAttestor(attestor, occurrences, { names: [NAME], digest });
  if (check.outcome === 'verified') verified++;
}
const used = process.cpuUsage(start);
if (verified !== COUNT) throw new Error(`only ${verified} of ${COUNT} attestations verified`);
console.log(`verify ${COUNT} attestations: ${Math.round((used.user + used.system) / 1000)} ms cpu`);
