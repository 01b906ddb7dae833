// The workspace the impact tests share: the terraform-provider-google #14929 change (a policy that
// required built-by-ci now requires security-review), four services attested differently, and the
// attestors and attestations (signed here with a fresh P-256 key) as gcloud exports them.
import { generateKeyPairSync, sign } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PROJECT = 'my-prod';
export const BUILT_BY_CI = `projects/${PROJECT}/attestors/built-by-ci`;
export const SECURITY_REVIEW = `projects/${PROJECT}/attestors/security-review`;
export const REPOSITORY = `us-docker.pkg.dev/${PROJECT}/apps`;
export const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;

/** The base policy of #14929: only built-by-ci, and Cloud Build's source deploys exempt. */
export const BASE_POLICY = `name: projects/${PROJECT}/policy
globalPolicyEvaluationMode: DISABLE
admissionWhitelistPatterns:
- namePattern: us-docker.pkg.dev/${PROJECT}/cloud-run-source-deploy/**
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - ${BUILT_BY_CI}
`;

export const service = (name: string, image: string): string =>
  `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ${image}\n`;

/** Each service, its image, and who attested it. */
export const SERVICES: readonly { name: string; image: string; attestedBy: readonly string[] }[] = [
  { name: 'ci-only', image: `${REPOSITORY}/ci-only@${digestOf(1)}`, attestedBy: [BUILT_BY_CI] },
  { name: 'both', image: `${REPOSITORY}/both@${digestOf(2)}`, attestedBy: [BUILT_BY_CI, SECURITY_REVIEW] },
  { name: 'review-only', image: `${REPOSITORY}/review-only@${digestOf(3)}`, attestedBy: [SECURITY_REVIEW] },
  { name: 'none', image: `${REPOSITORY}/none@${digestOf(4)}`, attestedBy: [] },
  { name: 'source-deploy', image: `us-docker.pkg.dev/${PROJECT}/cloud-run-source-deploy/web@${digestOf(5)}`, attestedBy: [] },
];

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_ID = 'ni:///sha-256;impact-test-key';
const noteOf = (attestor: string): string => `projects/${PROJECT}/notes/${attestor.split('/').at(-1)}`;

export function attestorJson(name: string): object {
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    name,
    userOwnedGrafeasNote: {
      noteReference: noteOf(name),
      publicKeys: [{ id: KEY_ID, pkixPublicKey: { publicKeyPem, signatureAlgorithm: 'ECDSA_P256_SHA256' } }],
    },
  };
}

let count = 0;

/** One ATTESTATION occurrence by `attestor` for `image` (REPO@sha256:…), signed with the test key. */
export function occurrenceJson(attestor: string, image: string): object {
  const at = image.indexOf('@');
  const payload = Buffer.from(
    `${JSON.stringify({ critical: { identity: { 'docker-reference': image.slice(0, at) }, image: { 'docker-manifest-digest': image.slice(at + 1) }, type: 'Google cloud binauthz container signature' } }, null, 2)}\n`,
  );
  const signature = sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' });
  return {
    attestation: { serializedPayload: payload.toString('base64'), signatures: [{ publicKeyId: KEY_ID, signature: signature.toString('base64') }] },
    kind: 'ATTESTATION',
    name: `projects/${PROJECT}/occurrences/impact-${++count}`,
    noteName: noteOf(attestor),
    resourceUri: image,
    createTime: '2026-11-30T00:00:00Z',
    updateTime: '2026-11-30T00:00:00Z',
  };
}

export function allOccurrences(): object[] {
  return SERVICES.flatMap((s) => s.attestedBy.map((attestor) => occurrenceJson(attestor, s.image)));
}

export const fixture = (name: string): string => new URL(`../fixtures/terraform/${name}`, import.meta.url).pathname;

/** Writes base.yaml, the two plans, attestors.json, attestations.json and deploy/*.yaml into `dir`. */
export function writeWorkspace(dir: string): void {
  writeFileSync(join(dir, 'base.yaml'), BASE_POLICY);
  copyFileSync(fixture('policy-attestor-swapped.plan.json'), join(dir, 'swapped.plan.json'));
  copyFileSync(fixture('policy-deleted.plan.json'), join(dir, 'deleted.plan.json'));
  writeFileSync(join(dir, 'attestors.json'), JSON.stringify([attestorJson(BUILT_BY_CI), attestorJson(SECURITY_REVIEW)], null, 2));
  writeFileSync(join(dir, 'attestations.json'), JSON.stringify(allOccurrences(), null, 2));
  mkdirSync(join(dir, 'deploy'));
  for (const s of SERVICES) writeFileSync(join(dir, 'deploy', `${s.name}.yaml`), service(s.name, s.image));
}
