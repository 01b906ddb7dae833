// Attestations Google's own gcloud made (Cloud KMS P-256, local RSA-PSS, GnuPG), checked
// through the built CLI as a subprocess: they verify, and one changed byte fails closed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheckJson } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/gcloud/${name}`, import.meta.url), 'utf8');
const IMAGE = 'us-docker.pkg.dev/p1/repo/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

const ATTESTORS = [
  {
    name: 'projects/p1/attestors/kms',
    userOwnedGrafeasNote: {
      noteReference: 'projects/p1/notes/n1',
      publicKeys: [
        {
          id: '//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1',
          pkixPublicKey: { publicKeyPem: fixture('kms-ec-p256-public.pem'), signatureAlgorithm: 'ECDSA_P256_SHA256' },
        },
      ],
    },
  },
  {
    name: 'projects/p1/attestors/local',
    userOwnedGrafeasNote: {
      noteReference: 'projects/p1/notes/n1',
      publicKeys: [
        { id: 'ni:///sha-256;local-rsa', pkixPublicKey: { publicKeyPem: fixture('local-rsa-public.pem'), signatureAlgorithm: 'RSA_PSS_2048_SHA256' } },
      ],
    },
  },
  {
    name: 'projects/p1/attestors/pgp',
    userOwnedGrafeasNote: {
      noteReference: 'projects/p1/notes/pgpnote',
      publicKeys: [{ id: 'FB41DE3BED0C4F0FA57DBA77E32510C4B948F783', asciiArmoredPgpPublicKey: fixture('pgp-public.asc') }],
    },
  },
];

const POLICY = `defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/p1/attestors/kms
  - projects/p1/attestors/local
  - projects/p1/attestors/pgp
name: projects/p1/policy
`;

const SERVICE = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: app
  annotations:
    run.googleapis.com/binary-authorization: default
spec:
  template:
    spec:
      containers:
      - image: ${IMAGE}
`;

type Occurrence = { attestation: { serializedPayload: string; signatures: { signature: string }[] }; noteName: string };

function occurrences(): Occurrence[] {
  return [...JSON.parse(fixture('attestations-list.json')), ...JSON.parse(fixture('pgp-attestations-list.json'))] as Occurrence[];
}

async function check(list: Occurrence[]) {
  const dir = tempDir(after, 'cli-attestations-');
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'attestors.json'), JSON.stringify(ATTESTORS));
  writeFileSync(join(dir, 'attestations.json'), JSON.stringify(list));
  writeFileSync(join(dir, 'app.yaml'), SERVICE);
  const args = [
    '--policy-file',
    join(dir, 'policy.yaml'),
    '--attestors',
    join(dir, 'attestors.json'),
    '--attestations',
    join(dir, 'attestations.json'),
    join(dir, 'app.yaml'),
  ];
  return runCheckJson(args);
}

/** Changes one character of a base64 text in a way that changes the decoded bytes. */
function flip(text: string, at: number): string {
  const c = text[at] === 'A' ? 'B' : 'A';
  return text.slice(0, at) + c + text.slice(at + 1);
}

describe('gcloud-made attestations through the CLI', () => {
  it('all three verify: KMS P-256, local RSA-PSS and GnuPG', async () => {
    const { code, report } = await check(occurrences());
    const container = report.workloads[0]?.containers[0] as unknown as { decision: string; reason: string; attestors: { outcome: string }[] };
    assert.equal(code, 0, JSON.stringify(report.workloads[0]?.containers));
    assert.deepEqual([container.decision, container.reason], ['allow', 'attested']);
    assert.deepEqual(
      container.attestors.map((a) => a.outcome),
      ['verified', 'verified', 'verified'],
    );
  });

  for (const index of [0, 1, 2]) {
    for (const part of ['payload', 'signature'] as const) {
      it(`one changed byte in the ${part} of attestation ${index + 1} denies the image`, async () => {
        const list = occurrences();
        const occurrence = list[index] as Occurrence;
        if (part === 'payload') occurrence.attestation.serializedPayload = flip(occurrence.attestation.serializedPayload, 40);
        else {
          const signature = occurrence.attestation.signatures[0] as { signature: string };
          signature.signature = flip(signature.signature, Math.floor(signature.signature.length / 2));
        }
        const { code, report } = await check(list);
        const container = report.workloads[0]?.containers[0] as unknown as {
          decision: string;
          reason: string;
          attestors: { outcome: string; cause?: string }[];
        };
        assert.equal(code, 1, JSON.stringify(container));
        assert.deepEqual([container.decision, container.reason], ['deny', 'missing-attestation']);
        assert.equal(container.attestors.filter((a) => a.outcome === 'verified').length, 2, 'the other two still verify');
        assert.equal(container.attestors[index]?.outcome, 'not-verified');
      });
    }
  }
});
