// The attest step end to end: the built CLI against loopback Google (Cloud KMS signing with a
// key the test server holds) and registry servers. What it creates must carry gcloud's bytes,
// verify with the check's verifier, make `check` pass, and never be duplicated.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { startFakeRegistry, type FakeRegistry } from './helpers/fake-registry.ts';
import { runCli, runCliJson } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';
import { attestedImages, skippedImages } from './helpers/attest-report.ts';

const KEY_VERSION = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1';
const KMS_KEY_ID = `//cloudkms.googleapis.com/v1/${KEY_VERSION}`;
const ATTESTOR = 'projects/p1/attestors/a1';
const NOTE = 'projects/p1/notes/n1';
const GCLOUD_IMAGE = 'us-docker.pkg.dev/p1/repo/app';
const GCLOUD_DIGEST = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
const REGISTRY_HOSTS = ['us-docker.pkg.dev', 'gcr.io', 'docker.io', 'localhost:5000', 'europe-docker.pkg.dev'];
const REPOSITORIES = ['p1/repo/app', 'p1/sidecars/otel', 'p1/api', 'p1/app', 'library/nginx', 'cloudflare/cloudflared', 'team/app', 'p1/r/app'];
const gcloudFixture = (name: string) => readFileSync(new URL(`./fixtures/gcloud/${name}`, import.meta.url), 'utf8');
const gcloudRequests = JSON.parse(gcloudFixture('requests.json')) as { method: string; path: string; body: string }[];

interface AttestJson {
  attestations: { image: string; digest: string; attestor: string; occurrence: string; outcome: string; created: boolean; removed: string | null }[];
  skipped: { image: string; reason: string }[];
  errors: { image: string | null; kind: string; message: string }[];
}

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

describe('binauthz-gate attest', () => {
  let google: FakeGoogle;
  let registry: FakeRegistry;
  let localKey: { publicKey: KeyObject; privateKey: KeyObject };

  beforeEach(async () => {
    google = await startFakeGoogle();
    registry = await startFakeRegistry();
    for (const repository of REPOSITORIES) registry.pushManifest(repository, 'built', 'hello');
    const kms = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    localKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    google.state.kmsKeys.set(KEY_VERSION, { privateKey: kms.privateKey, algorithm: 'EC_SIGN_P256_SHA256' });
    google.state.attestors.set(ATTESTOR, {
      name: ATTESTOR,
      userOwnedGrafeasNote: {
        noteReference: NOTE,
        publicKeys: [
          { id: KMS_KEY_ID, pkixPublicKey: { publicKeyPem: pem(kms.publicKey), signatureAlgorithm: 'ECDSA_P256_SHA256' } },
          { id: 'ni:///sha-256;local-rsa', pkixPublicKey: { publicKeyPem: pem(localKey.publicKey), signatureAlgorithm: 'RSA_PSS_2048_SHA256' } },
        ],
      },
    });
    google.state.policies.set('projects/p1', {
      name: 'projects/p1/policy',
      admissionWhitelistPatterns: [{ namePattern: 'us-docker.pkg.dev/p1/sidecars/**' }],
      defaultAdmissionRule: { evaluationMode: 'REQUIRE_ATTESTATION', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', requireAttestationsBy: [ATTESTOR] },
    });
  });
  afterEach(async () => {
    await google.close();
    await registry.close();
  });

  // Every registry host the tests name goes to the loopback registry, which holds GCLOUD_DIGEST (sha256 of "hello") in each repository.
  const mirrors = () => REGISTRY_HOSTS.flatMap((host) => ['--registry-mirror', `${host}=${registry.url}`]);
  const attest = (args: string[]) =>
    runCliJson<AttestJson>(['attest', '--attestor', ATTESTOR, '--format', 'json', ...mirrors(), ...args], { env: google.env() });

  const posts = () => google.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/occurrences'));

  it('signs with Cloud KMS exactly as gcloud did, and the result verifies', async () => {
    const { code, report } = await attest(['--kms-key-version', KEY_VERSION, `${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`]);
    assert.equal(code, 0, JSON.stringify(report));
    assert.deepEqual(
      report.attestations.map((a) => [a.image, a.digest, a.attestor, a.created]),
      [[`${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`, GCLOUD_DIGEST, ATTESTOR, true]],
    );
    assert.match(report.attestations[0]?.occurrence ?? '', /^projects\/p1\/occurrences\//);

    const sign = google.requests.find((r) => r.path.endsWith(':asymmetricSign'));
    const gcloudSign = gcloudRequests.find((r) => r.path.endsWith(':asymmetricSign'));
    assert.deepEqual(JSON.parse(sign?.body ?? ''), JSON.parse(gcloudSign?.body ?? ''), 'the same digest request as gcloud (URL-safe base64)');

    const [post] = posts();
    const body = JSON.parse(post?.body ?? '') as {
      attestation: { serializedPayload: string; signatures: { publicKeyId: string; signature: string }[] };
      kind: string;
      noteName: string;
      resourceUri: string;
    };
    const gcloudBody = JSON.parse(gcloudRequests.find((r) => r.method === 'POST' && r.path === '/v1/projects/p1/occurrences')?.body ?? '') as typeof body;
    assert.equal(post?.path, '/v1/projects/p1/occurrences');
    assert.deepEqual(Object.keys(body), Object.keys(gcloudBody));
    assert.equal(body.attestation.serializedPayload, gcloudBody.attestation.serializedPayload, 'byte-for-byte the payload gcloud signed');
    assert.equal(Buffer.from(body.attestation.serializedPayload, 'base64url').toString(), gcloudFixture('signature-payload.json'));
    assert.deepEqual([body.kind, body.noteName, body.resourceUri], [gcloudBody.kind, gcloudBody.noteName, gcloudBody.resourceUri]);
    assert.equal(body.attestation.signatures[0]?.publicKeyId, KMS_KEY_ID);
    assert.match(body.attestation.signatures[0]?.signature ?? '', /^[A-Za-z0-9_-]+=*$/, 'URL-safe base64, as gcloud sends it');
  });

  it('makes check pass, and a second run creates nothing', async (t) => {
    const service = join(tempDir(t, 'attest-'), 'app.yaml');
    writeFileSync(
      service,
      `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: app\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${GCLOUD_IMAGE}@${GCLOUD_DIGEST}\n`,
    );
    const before = await runCli(['check', '--project', 'p1', service], { env: google.env() });
    assert.equal(before.code, 1, 'denied before attesting');
    const first = await attest(['--kms-key-version', KEY_VERSION, `${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`]);
    const second = await attest(['--kms-key-version', KEY_VERSION, `${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`]);
    assert.equal(second.code, 0);
    assert.equal(second.report.attestations[0]?.created, false);
    assert.equal(second.report.attestations[0]?.outcome, 'existing');
    assert.equal(first.report.attestations[0]?.outcome, 'created');
    assert.equal(second.report.attestations[0]?.occurrence, first.report.attestations[0]?.occurrence);
    assert.equal(posts().length, 1, 'one occurrence, ever');
    assert.equal(google.state.occurrences.length, 1);
    const after = await runCli(['check', '--project', 'p1', service], { env: google.env() });
    assert.equal(after.code, 0, after.stdout);
  });

  it('signs with a local RSA-PSS key under the id the attestor holds', async (t) => {
    const dir = tempDir(t, 'attest-key-');
    writeFileSync(join(dir, 'key.pem'), localKey.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const { code, report, stdout, stderr } = await attest([
      '--private-key-file',
      join(dir, 'key.pem'),
      '--public-key-id',
      'ni:///sha-256;local-rsa',
      `gcr.io/p1/api@${GCLOUD_DIGEST}`,
    ]);
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.attestations[0]?.created, true);
    assert.ok(!stdout.includes('PRIVATE KEY') && !stderr.includes('PRIVATE KEY'), 'the private key never reaches output');
  });

  it('refuses a key id the attestor does not hold, naming the ids it holds, and creates nothing', async (t) => {
    const dir = tempDir(t, 'attest-key-');
    writeFileSync(join(dir, 'key.pem'), localKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const { code, report } = await attest([
      '--private-key-file',
      join(dir, 'key.pem'),
      '--public-key-id',
      'ni:///sha-256;other',
      `gcr.io/p1/api@${GCLOUD_DIGEST}`,
    ]);
    assert.equal(code, 2);
    assert.match(report.errors[0]?.message ?? '', /holds no public key with id ni:\/\/\/sha-256;other; it holds \/\/cloudkms.*, ni:\/\/\/sha-256;local-rsa/);
    assert.equal(posts().length, 0);
    assert.ok(!google.requests.some((r) => r.path.endsWith(':asymmetricSign')));
  });

  it('refuses a local key that cannot make the signature the attestor expects', async (t) => {
    const dir = tempDir(t, 'attest-key-');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'key.pem'), ec.privateKey.export({ type: 'sec1', format: 'pem' }));
    const { code, report } = await attest([
      '--private-key-file',
      join(dir, 'key.pem'),
      '--public-key-id',
      'ni:///sha-256;local-rsa',
      `gcr.io/p1/api@${GCLOUD_DIGEST}`,
    ]);
    assert.equal(code, 2);
    assert.match(report.errors[0]?.message ?? '', /expects RSA, but the key is ec/);
    assert.equal(posts().length, 0);
  });

  it('refuses /dev/zero, /dev/urandom and a FIFO as --private-key-file quickly, and creates nothing', async (t) => {
    const dir = tempDir(t, 'attest-key-');
    execFileSync('mkfifo', [join(dir, 'key.pem')]);
    for (const key of ['/dev/zero', '/dev/urandom', join(dir, 'key.pem')]) {
      const started = performance.now();
      const { code, report } = await attest(['--private-key-file', key, '--public-key-id', 'ni:///sha-256;local-rsa', `gcr.io/p1/api@${GCLOUD_DIGEST}`]);
      assert.ok(performance.now() - started < 10_000);
      assert.equal(code, 2);
      assert.match(
        report.errors[0]?.message ?? '',
        new RegExp(`private key ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is a (character device|FIFO \\(named pipe\\)), not a regular file: not read`),
      );
    }
    assert.equal(posts().length, 0);
  });

  it("writes gcloud's payload for every kind of image name", async () => {
    const images = [
      `gcr.io/p1/app@${GCLOUD_DIGEST}`,
      `nginx@${GCLOUD_DIGEST}`,
      `cloudflare/cloudflared@${GCLOUD_DIGEST}`,
      `localhost:5000/team/app@${GCLOUD_DIGEST}`,
      `europe-docker.pkg.dev/p1/r/app@${GCLOUD_DIGEST}`,
    ];
    const { code, report } = await attest(['--kms-key-version', KEY_VERSION, ...images]);
    assert.equal(code, 0, JSON.stringify(report));
    const template = gcloudFixture('signature-payload.json');
    const bodies = posts().map((p) => JSON.parse(p.body) as { resourceUri: string; attestation: { serializedPayload: string } });
    for (const image of images) {
      const name = image.slice(0, image.indexOf('@'));
      const body = bodies.find((b) => b.resourceUri === image);
      assert.ok(body, `an occurrence for ${image}`);
      assert.equal(Buffer.from(body.attestation.serializedPayload, 'base64url').toString(), template.replace(GCLOUD_IMAGE, name), name);
    }
  });

  it('resolves a tag through the registry and says so', async () => {
    registry.setTag('p1/repo/app', 'v7', GCLOUD_DIGEST);
    const { code, report, stdout } = await attest(['--kms-key-version', KEY_VERSION, `${GCLOUD_IMAGE}:v7`]);
    assert.equal(code, 0, stdout);
    assert.deepEqual([report.attestations[0]?.image, report.attestations[0]?.digest], [`${GCLOUD_IMAGE}:v7`, GCLOUD_DIGEST]);
    assert.equal(JSON.parse(posts()[0]?.body ?? '{}').resourceUri, `${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`);
    const text = await runCli(['attest', '--attestor', ATTESTOR, '--kms-key-version', KEY_VERSION, ...mirrors(), `${GCLOUD_IMAGE}:v7`], { env: google.env() });
    assert.match(text.stdout, /already attested[\s\S]*tag v7 resolved to sha256:2cf2/);
  });

  it('attests from manifests only what the policy sends to this attestor', async (t) => {
    const dir = tempDir(t, 'attest-manifests-');
    writeFileSync(
      join(dir, 'web.yaml'),
      `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${GCLOUD_IMAGE}@${GCLOUD_DIGEST}\n      - image: us-docker.pkg.dev/p1/sidecars/otel@${GCLOUD_DIGEST}\n`,
    );
    const images = [`${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`, `us-docker.pkg.dev/p1/sidecars/otel@${GCLOUD_DIGEST}`];
    const { code, report } = await attest(['--kms-key-version', KEY_VERSION, '--project', 'p1', '--from-manifests', dir, ...images]);
    assert.equal(code, 0, JSON.stringify(report));
    assert.deepEqual(attestedImages(report), [`${GCLOUD_IMAGE}@${GCLOUD_DIGEST}`]);
    assert.deepEqual(skippedImages(report), [`us-docker.pkg.dev/p1/sidecars/otel@${GCLOUD_DIGEST}`]);
    assert.match(report.skipped[0]?.reason ?? '', /exempt/);
  });

  it('an image that cannot be parsed is bad input (exit 2)', async () => {
    const { code, report } = await attest(['--kms-key-version', KEY_VERSION, '${IMAGE}']);
    assert.equal(code, 2);
    assert.match(report.errors[0]?.message ?? '', /placeholder/);
  });
});
