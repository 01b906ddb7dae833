// The fake Google server answers in the shapes gcloud sends and the googleapis clients read: every endpoint is
// called with plain fetch (gcloud's requests) and through the real discovery clients the live mode uses.
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, verify, constants, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OAuth2Client } from 'google-auth-library';
import { binaryauthorization_v1 } from 'googleapis/build/src/apis/binaryauthorization/v1.js';
import { containeranalysis_v1 } from 'googleapis/build/src/apis/containeranalysis/v1.js';
import { cloudkms_v1 } from 'googleapis/build/src/apis/cloudkms/v1.js';
import { crc32c, FAKE_ACCESS_TOKEN, startFakeGoogle, type FakeGoogle, type FakeGoogleOptions } from './helpers/fake-google.ts';
import { tempDir } from './helpers/temp.ts';

const DIGEST = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
const OTHER_DIGEST = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const IMAGE = `us-docker.pkg.dev/p1/repo/app@${DIGEST}`;
// The exact filter `gcloud container binauthz attestations list` sends.
const GCLOUD_FILTER = `has_suffix(resourceUrl, "${DIGEST}")`;
const KEY_VERSION = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1';
const PAYLOAD = Buffer.from('{\n  "critical": {\n    "type": "Google cloud binauthz container signature"\n  }\n}\n');

const POLICY = {
  name: 'projects/p1/policy',
  globalPolicyEvaluationMode: 'ENABLE',
  admissionWhitelistPatterns: [{ namePattern: 'us-docker.pkg.dev/p1/allowed/*' }],
  defaultAdmissionRule: {
    evaluationMode: 'REQUIRE_ATTESTATION',
    enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG',
    requireAttestationsBy: ['projects/p1/attestors/a1'],
  },
  updateTime: '2025-01-01T00:00:00Z',
  etag: '"abc"',
};

const ATTESTOR = {
  name: 'projects/p1/attestors/a1',
  userOwnedGrafeasNote: {
    noteReference: 'projects/p1/notes/n1',
    publicKeys: [{ id: `//cloudkms.googleapis.com/v1/${KEY_VERSION}`, pkixPublicKey: { publicKeyPem: 'PEM', signatureAlgorithm: 'ECDSA_P256_SHA256' } }],
  },
  updateTime: '2026-01-01T00:00:00Z',
};

function occurrence(id: string, noteName: string, resourceUri: string): object {
  return {
    attestation: { serializedPayload: PAYLOAD.toString('base64url'), signatures: [{ publicKeyId: 'k', signature: 'MEUCIQCWT9ltKA_WQfNo' }] },
    createTime: '2026-11-24T19:14:16Z',
    kind: 'ATTESTATION',
    name: `projects/p1/occurrences/${id}`,
    noteName,
    resourceUri,
    updateTime: '2026-11-24T19:14:16Z',
  };
}

async function fakeFor(t: TestContext, options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const fake = await startFakeGoogle(options);
  t.after(() => fake.close());
  return fake;
}

function clients(fake: FakeGoogle, token = 't') {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token });
  const options = { rootUrl: fake.url, auth };
  return {
    binauthz: new binaryauthorization_v1.Binaryauthorization(options),
    analysis: new containeranalysis_v1.Containeranalysis(options),
    kms: new cloudkms_v1.Cloudkms(options),
  };
}

async function getJson(fake: FakeGoogle, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; response: Response }> {
  const response = await fetch(new URL(path, fake.url), init);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json; charset=UTF-8$/);
  return { status: response.status, body: await response.json(), response };
}

const postJson = (fake: FakeGoogle, path: string, body: unknown) =>
  getJson(fake, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A googleapis call that must fail: its HTTP status and Google's error body. */
async function failure(call: Promise<unknown>): Promise<{ status: number; error: { code: number; message: string; status: string } }> {
  try {
    await call;
  } catch (error) {
    const e = error as { status?: number; response?: { data?: { error: { code: number; message: string; status: string } } } };
    return { status: e.status ?? 0, error: e.response!.data!.error };
  }
  throw new Error('the call succeeded');
}

describe('Binary Authorization', () => {
  test('getPolicy answers the stored policy, and the API default for a project without one', async (t) => {
    const fake = await fakeFor(t);
    fake.state.policies.set('projects/p1', POLICY);
    const { binauthz } = clients(fake);
    const stored = await binauthz.projects.getPolicy({ name: 'projects/p1/policy' });
    assert.deepEqual(stored.data, POLICY);
    const fresh = await getJson(fake, '/v1/projects/p2/policy?alt=json');
    assert.equal(fresh.status, 200);
    assert.deepEqual(fresh.body, {
      name: 'projects/p2/policy',
      globalPolicyEvaluationMode: 'ENABLE',
      defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
    });
  });

  test('records what the googleapis client sends: path, no query, its headers, the token redacted', async (t) => {
    const fake = await fakeFor(t);
    await clients(fake).binauthz.projects.getPolicy({ name: 'projects/p1/policy' });
    const [request] = fake.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/v1/projects/p1/policy');
    assert.equal(request?.api, 'binaryauthorization');
    assert.deepEqual(request?.query, {});
    assert.equal(request?.headers['authorization'], 'Bearer <redacted>');
    assert.match(request?.headers['x-goog-api-client'] ?? '', /^gdcl\/\d+\.\d+\.\d+ gl-node\/24\.\d+\.\d+$/);
    assert.match(request?.headers['user-agent'] ?? '', /^google-api-nodejs-client\/\d+\.\d+\.\d+ \(gzip\)$/);
    assert.equal(request?.headers['accept-encoding'], 'gzip');
    assert.ok(request!.at <= Date.now());
  });

  test('attestors.get answers a known attestor, 404 in Google shape for an unknown one', async (t) => {
    const fake = await fakeFor(t);
    fake.state.attestors.set(ATTESTOR.name, ATTESTOR);
    const { binauthz } = clients(fake);
    assert.deepEqual((await binauthz.projects.attestors.get({ name: ATTESTOR.name })).data, ATTESTOR);
    const missing = await failure(binauthz.projects.attestors.get({ name: 'projects/p1/attestors/nope' }));
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.error, { code: 404, message: 'Attestor projects/p1/attestors/nope not found.', status: 'NOT_FOUND' });
    // gcloud's sign-and-create reads the attestor through v1beta1, where the note field has its old name.
    const beta = await getJson(fake, '/v1beta1/projects/p1/attestors/a1?alt=json');
    assert.deepEqual(beta.body.userOwnedDrydockNote, ATTESTOR.userOwnedGrafeasNote);
  });

  test('validateAttestationOccurrence answers 501', async (t) => {
    const fake = await fakeFor(t);
    fake.state.attestors.set(ATTESTOR.name, ATTESTOR);
    const answer = await failure(clients(fake).binauthz.projects.attestors.validateAttestationOccurrence({ attestor: ATTESTOR.name, requestBody: {} }));
    assert.equal(answer.status, 501);
    assert.equal(answer.error.status, 'UNIMPLEMENTED');
  });
});

describe('Container Analysis', () => {
  function seed(fake: FakeGoogle): void {
    for (const id of ['o1', 'o2', 'o3', 'o4']) fake.state.occurrences.push(occurrence(id, 'projects/p1/notes/n1', IMAGE));
    fake.state.occurrences.push(occurrence('other-digest', 'projects/p1/notes/n1', `us-docker.pkg.dev/p1/repo/app@${OTHER_DIGEST}`));
    fake.state.occurrences.push(occurrence('other-note', 'projects/p1/notes/n2', IMAGE));
  }

  test('notes.occurrences.list filters by has_suffix(resourceUrl, …) and pages with an opaque token', async (t) => {
    const fake = await fakeFor(t, { pageSize: 3 });
    seed(fake);
    const { analysis } = clients(fake);
    const first = await analysis.projects.notes.occurrences.list({ name: 'projects/p1/notes/n1', filter: GCLOUD_FILTER, pageSize: 100 });
    assert.deepEqual(
      first.data.occurrences?.map((o) => o.name),
      ['o1', 'o2', 'o3'].map((id) => `projects/p1/occurrences/${id}`),
    );
    assert.equal(typeof first.data.nextPageToken, 'string');
    const second = await analysis.projects.notes.occurrences.list({
      name: 'projects/p1/notes/n1',
      filter: GCLOUD_FILTER,
      pageSize: 100,
      pageToken: first.data.nextPageToken!,
    });
    assert.deepEqual(
      second.data.occurrences?.map((o) => o.name),
      ['projects/p1/occurrences/o4'],
    );
    assert.equal(second.data.nextPageToken, undefined);
    assert.deepEqual(fake.requests[0]?.query, { filter: GCLOUD_FILTER, pageSize: '100' });
    assert.equal(fake.requests[1]?.query['pageToken'], first.data.nextPageToken);
  });

  test('list answers bytes fields as standard base64, whatever the writer sent', async (t) => {
    const fake = await fakeFor(t);
    seed(fake);
    const { body } = await getJson(fake, `/v1/projects/p1/notes/n1/occurrences?alt=json&filter=${encodeURIComponent(GCLOUD_FILTER)}&pageSize=100`);
    assert.equal(body.occurrences.length, 4);
    assert.equal(body.occurrences[0].attestation.serializedPayload, PAYLOAD.toString('base64'));
    assert.equal(body.occurrences[0].attestation.signatures[0].signature, 'MEUCIQCWT9ltKA/WQfNo');
  });

  test('list: a smaller client pageSize wins; an empty page is {}; other filters, tokens and parameters are 400', async (t) => {
    const fake = await fakeFor(t);
    seed(fake);
    const base = `/v1/projects/p1/notes/n1/occurrences?filter=${encodeURIComponent(GCLOUD_FILTER)}`;
    assert.equal((await getJson(fake, `${base}&pageSize=2`)).body.occurrences.length, 2);
    const none = await getJson(fake, `/v1/projects/p1/notes/n1/occurrences?filter=${encodeURIComponent('has_suffix(resourceUrl, "sha256:00")')}`);
    assert.deepEqual(none.body, {});
    const unsupported = await getJson(fake, `/v1/projects/p1/notes/n1/occurrences?filter=${encodeURIComponent(`resourceUrl="${IMAGE}"`)}`);
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.error.status, 'INVALID_ARGUMENT');
    assert.equal((await getJson(fake, `${base}&pageToken=bogus`)).status, 400);
    const unknown = await getJson(fake, `${base}&page_sise=2`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Unknown name "page_sise"/);
  });

  test('occurrences.create from gcloud (URL-safe base64) and from googleapis (standard); get reads it back', async (t) => {
    const fake = await fakeFor(t);
    const gcloudBody = {
      attestation: {
        serializedPayload: PAYLOAD.toString('base64url'),
        signatures: [{ publicKeyId: `//cloudkms.googleapis.com/v1/${KEY_VERSION}`, signature: 'MEUCIQCWT9ltKA_WQfNo' }],
      },
      kind: 'ATTESTATION',
      noteName: 'projects/p1/notes/n1',
      resourceUri: IMAGE,
    };
    const created = await postJson(fake, '/v1/projects/p1/occurrences?alt=json', gcloudBody);
    assert.equal(created.status, 200);
    assert.match(created.body.name, /^projects\/p1\/occurrences\/[0-9a-f-]{36}$/);
    assert.equal(created.body.kind, 'ATTESTATION');
    assert.equal(created.body.resourceUri, IMAGE);
    assert.ok(!Number.isNaN(Date.parse(created.body.createTime)) && created.body.updateTime === created.body.createTime);
    assert.equal(created.body.attestation.serializedPayload, PAYLOAD.toString('base64'));
    assert.equal(fake.requests[0]?.api, 'containeranalysis');

    const { analysis } = clients(fake);
    const read = await analysis.projects.occurrences.get({ name: created.body.name });
    assert.deepEqual(read.data, created.body);

    const viaClient = await analysis.projects.occurrences.create({
      parent: 'projects/p1',
      requestBody: { noteName: 'projects/p1/notes/n1', resourceUri: IMAGE, attestation: { serializedPayload: PAYLOAD.toString('base64') } },
    });
    assert.equal(viaClient.data.kind, 'ATTESTATION');
    assert.equal(fake.requests[2]?.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(fake.requests[2]!.body).attestation.serializedPayload, PAYLOAD.toString('base64'));
    const listed = await analysis.projects.notes.occurrences.list({ name: 'projects/p1/notes/n1', filter: GCLOUD_FILTER });
    assert.equal(listed.data.occurrences?.length, 2);
  });

  test('create refuses bytes that are not base64, and a missing noteName; get of an unknown occurrence is 404', async (t) => {
    const fake = await fakeFor(t);
    const bad = await postJson(fake, '/v1/projects/p1/occurrences', {
      noteName: 'projects/p1/notes/n1',
      resourceUri: IMAGE,
      attestation: { serializedPayload: 'not base64!' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /serialized_payload.*Base64 decoding failed/);
    assert.equal((await postJson(fake, '/v1/projects/p1/occurrences', { resourceUri: IMAGE, attestation: {} })).status, 400);
    assert.equal((await getJson(fake, '/v1/projects/p1/occurrences/nope')).status, 404);
  });
});

describe('Cloud KMS', () => {
  interface KeyCase {
    algorithm: string;
    hash: 'sha256' | 'sha384' | 'sha512';
    generate: () => { privateKey: KeyObject; publicKey: KeyObject };
  }
  const rsa = (bits: number) => () => generateKeyPairSync('rsa', { modulusLength: bits });
  const ec = (namedCurve: string) => () => generateKeyPairSync('ec', { namedCurve });
  const CASES: readonly KeyCase[] = [
    { algorithm: 'EC_SIGN_P256_SHA256', hash: 'sha256', generate: ec('P-256') },
    { algorithm: 'EC_SIGN_P384_SHA384', hash: 'sha384', generate: ec('P-384') },
    { algorithm: 'EC_SIGN_SECP256K1_SHA256', hash: 'sha256', generate: ec('secp256k1') },
    { algorithm: 'RSA_SIGN_PSS_2048_SHA256', hash: 'sha256', generate: rsa(2048) },
    { algorithm: 'RSA_SIGN_PKCS1_2048_SHA256', hash: 'sha256', generate: rsa(2048) },
    { algorithm: 'RSA_SIGN_PKCS1_4096_SHA512', hash: 'sha512', generate: rsa(4096) },
    { algorithm: 'RSA_SIGN_PSS_4096_SHA512', hash: 'sha512', generate: rsa(4096) },
  ];

  /** Verifies as a relying party does: over the original payload, with the hash the algorithm names. */
  function verifies(c: KeyCase, publicKey: KeyObject, signature: Buffer): boolean {
    const key = c.algorithm.includes('_PSS_')
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: c.hash === 'sha256' ? 32 : 64 }
      : publicKey;
    return verify(c.hash, PAYLOAD, key, signature);
  }

  for (const c of CASES) {
    test(`${c.algorithm}: get, getPublicKey, asymmetricSign over a digest (googleapis and gcloud's URL-safe body)`, async (t) => {
      const fake = await fakeFor(t);
      const { privateKey, publicKey } = c.generate();
      fake.state.kmsKeys.set(KEY_VERSION, { privateKey, algorithm: c.algorithm });
      const { kms } = clients(fake);
      const versions = kms.projects.locations.keyRings.cryptoKeys.cryptoKeyVersions;

      const version = await versions.get({ name: KEY_VERSION });
      assert.equal(version.data.name, KEY_VERSION);
      assert.equal(version.data.algorithm, c.algorithm);
      assert.equal(version.data.state, 'ENABLED');
      const published = await versions.getPublicKey({ name: KEY_VERSION });
      assert.equal(published.data.pem, publicKey.export({ type: 'spki', format: 'pem' }));
      assert.equal(published.data.algorithm, c.algorithm);
      assert.equal(published.data.pemCrc32c, String(crc32c(Buffer.from(published.data.pem!))));

      const digest = createHash(c.hash).update(PAYLOAD).digest();
      const signed = await versions.asymmetricSign({ name: KEY_VERSION, requestBody: { digest: { [c.hash]: digest.toString('base64') } } });
      assert.equal(signed.data.name, KEY_VERSION);
      assert.equal(signed.data.signatureCrc32c, String(crc32c(Buffer.from(signed.data.signature!, 'base64'))));
      assert.ok(verifies(c, publicKey, Buffer.from(signed.data.signature!, 'base64')), 'the googleapis-made signature verifies');
      assert.equal(fake.requests.at(-1)?.path, `/v1/${KEY_VERSION}:asymmetricSign`);
      assert.equal(fake.requests.at(-1)?.api, 'cloudkms');

      const gcloud = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign?alt=json`, { digest: { [c.hash]: digest.toString('base64url') } });
      assert.ok(verifies(c, publicKey, Buffer.from(gcloud.body.signature, 'base64')), 'the gcloud-style signature verifies');
    });
  }

  test('Ed25519 signs data; a digest of the wrong hash or length, a bad CRC32C and an unknown key are refused', async (t) => {
    const fake = await fakeFor(t);
    const ed = generateKeyPairSync('ed25519');
    fake.state.kmsKeys.set(`${KEY_VERSION}-ed`, { privateKey: ed.privateKey, algorithm: 'EC_SIGN_ED25519' });
    fake.state.kmsKeys.set(KEY_VERSION, { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, algorithm: 'EC_SIGN_P256_SHA256' });
    const signed = await postJson(fake, `/v1/${KEY_VERSION}-ed:asymmetricSign`, { data: PAYLOAD.toString('base64') });
    assert.ok(verify(null, PAYLOAD, ed.publicKey, Buffer.from(signed.body.signature, 'base64')));

    const digest = createHash('sha256').update(PAYLOAD).digest();
    const wrongHash = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign`, { digest: { sha512: createHash('sha512').update(PAYLOAD).digest('base64') } });
    assert.equal(wrongHash.body.error.status, 'INVALID_ARGUMENT');
    const short = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign`, { digest: { sha256: digest.subarray(0, 20).toString('base64') } });
    assert.equal(short.status, 400);
    const badCrc = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign`, { digest: { sha256: digest.toString('base64') }, digestCrc32c: '1' });
    assert.equal(badCrc.status, 400);
    const goodCrc = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign`, {
      digest: { sha256: digest.toString('base64') },
      digestCrc32c: String(crc32c(digest)),
    });
    assert.equal(goodCrc.body.verifiedDigestCrc32c, true);
    const unknown = await getJson(fake, `/v1/${KEY_VERSION.replace('key/', 'nokey/')}/publicKey`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.status, 'NOT_FOUND');
  });

  test('crc32c is Castagnoli', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });
});

describe('faults, latency and authentication', () => {
  test('429 with Retry-After, then success (plain fetch)', async (t) => {
    const fake = await fakeFor(t);
    fake.inject({ match: (r) => r.api === 'binaryauthorization', count: 1, status: 429, retryAfterSeconds: 2 });
    assert.equal((await getJson(fake, '/v1/projects/p1/notes/n1/occurrences')).status, 200, 'another API is not affected');
    const limited = await getJson(fake, '/v1/projects/p1/policy');
    assert.equal(limited.status, 429);
    assert.equal(limited.response.headers.get('retry-after'), '2');
    assert.equal(limited.body.error.status, 'RESOURCE_EXHAUSTED');
    assert.equal((await getJson(fake, '/v1/projects/p1/policy')).status, 200);
  });

  test('googleapis retries a GET on 429 by itself, about 100 ms later, without honouring Retry-After', async (t) => {
    const fake = await fakeFor(t);
    fake.inject({ count: 1, status: 429, retryAfterSeconds: 2 });
    const started = Date.now();
    const answer = await clients(fake).binauthz.projects.getPolicy({ name: 'projects/p1/policy' });
    assert.equal(answer.status, 200);
    assert.equal(fake.requests.length, 2);
    assert.ok(Date.now() - started < 1500, 'the 2 s Retry-After was not waited for');
  });

  test('googleapis does not retry a POST: a 503 on create surfaces at once', async (t) => {
    const fake = await fakeFor(t);
    fake.inject({ count: 1, status: 503 });
    const answer = await failure(
      clients(fake).analysis.projects.occurrences.create({
        parent: 'projects/p1',
        requestBody: { noteName: 'projects/p1/notes/n1', resourceUri: IMAGE, attestation: { serializedPayload: 'AA==' } },
      }),
    );
    assert.equal(answer.status, 503);
    assert.equal(answer.error.status, 'UNAVAILABLE');
    assert.equal(fake.requests.length, 1);
  });

  test('a hanging request times out the client; googleapis does not retry after its own timeout', async (t) => {
    const fake = await fakeFor(t);
    fake.inject({ count: 1, hang: true });
    await assert.rejects(fetch(new URL('/v1/projects/p1/policy', fake.url), { signal: AbortSignal.timeout(150) }), { name: 'TimeoutError' });
    assert.equal((await getJson(fake, '/v1/projects/p1/policy')).status, 200, 'only `count` requests hang');
    fake.inject({ count: 1, hang: true });
    await assert.rejects(clients(fake).binauthz.projects.getPolicy({ name: 'projects/p1/policy' }, { timeout: 150 }));
    assert.equal(fake.requests.length, 3);
  });

  test('latency is a timer: 10 parallel requests at 100 ms finish together, 10 in flight at once', async (t) => {
    const fake = await fakeFor(t, { latencyMs: 100 });
    const { binauthz } = clients(fake);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => binauthz.projects.getPolicy({ name: 'projects/p1/policy' })));
    const elapsed = Date.now() - started;
    assert.ok(answers.every((a) => a.status === 200));
    assert.ok(elapsed >= 95 && elapsed < 600, `took ${elapsed} ms`);
    assert.equal(fake.inFlightPeak(), 10);
  });

  test('requireToken: 401 UNAUTHENTICATED without the token, 200 with it; env() carries it', async (t) => {
    const fake = await fakeFor(t, { requireToken: 'secret' });
    const missing = await getJson(fake, '/v1/projects/p1/policy');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.status, 'UNAUTHENTICATED');
    assert.match(missing.response.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.equal(fake.requests[0]?.headers['authorization'], undefined);
    const wrong = await failure(clients(fake, 'not-it').binauthz.projects.getPolicy({ name: 'projects/p1/policy' }));
    assert.equal(wrong.status, 401);
    assert.equal(fake.requests[1]?.headers['authorization'], 'Bearer <redacted>');
    const env = fake.env();
    assert.equal(env['CLOUDSDK_AUTH_ACCESS_TOKEN'], 'secret');
    const right = await clients(fake, env['CLOUDSDK_AUTH_ACCESS_TOKEN']).binauthz.projects.getPolicy({ name: 'projects/p1/policy' });
    assert.equal(right.status, 200);
  });

  test('env() points all three endpoint overrides at the server', async (t) => {
    const fake = await fakeFor(t);
    assert.deepEqual(fake.env(), {
      CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION: fake.url,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: fake.url,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS: fake.url,
      CLOUDSDK_AUTH_ACCESS_TOKEN: FAKE_ACCESS_TOKEN,
    });
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('an unknown path is 404 naming the path', async (t) => {
    const fake = await fakeFor(t);
    const answer = await getJson(fake, '/v2/projects/p1/services/web');
    assert.equal(answer.status, 404);
    assert.match(answer.body.error.message, /GET \/v2\/projects\/p1\/services\/web/);
    assert.equal(fake.requests[0]?.api, 'unknown');
  });
});

test('fake-google-main serves a state file from its own process and exits on SIGTERM', async (t) => {
  const dir = tempDir(t, 'fake-google-');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stateFile = join(dir, 'state.json');
  writeFileSync(
    stateFile,
    JSON.stringify({
      options: { pageSize: 1 },
      policies: { 'projects/p1': POLICY },
      occurrences: [occurrence('o1', 'projects/p1/notes/n1', IMAGE), occurrence('o2', 'projects/p1/notes/n1', IMAGE)],
      kmsKeys: { [KEY_VERSION]: { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'EC_SIGN_P256_SHA256' } },
    }),
  );
  const main = fileURLToPath(new URL('./helpers/fake-google-main.ts', import.meta.url));
  const child = spawn(process.execPath, [main, stateFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const started = JSON.parse((await lines.next()).value as string) as { url: string; env: Record<string, string> };
  const fake = { url: started.url } as FakeGoogle;

  assert.deepEqual((await getJson(fake, '/v1/projects/p1/policy')).body, POLICY);
  assert.equal((await getJson(fake, `/v1/projects/p1/notes/n1/occurrences?filter=${encodeURIComponent(GCLOUD_FILTER)}`)).body.occurrences.length, 1);
  const digest = createHash('sha256').update(PAYLOAD).digest('base64');
  const signed = await postJson(fake, `/v1/${KEY_VERSION}:asymmetricSign`, { digest: { sha256: digest } });
  assert.ok(verify('sha256', PAYLOAD, publicKey, Buffer.from(signed.body.signature, 'base64')));
  assert.equal(started.env['CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS'], started.url);

  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const summary = JSON.parse((await lines.next()).value as string) as { requests: number; inFlightPeak: number };
  assert.deepEqual(summary, { requests: 3, inFlightPeak: 1 });
  assert.equal(await exited, 0);
});

describe('hostile modes', () => {
  test('raw answers exactly the bytes given (a function per request), whatever the route would say', async (t) => {
    const fake = await fakeFor(t);
    fake.state.policies.set('projects/p1', POLICY);
    fake.inject({ match: (r) => r.path.endsWith('/policy'), count: 1, raw: { contentType: 'text/html', body: '<html>bad gateway</html>' } });
    let page = 0;
    fake.inject({ match: (r) => r.path.endsWith('/occurrences'), count: 2, raw: () => ({ body: JSON.stringify({ nextPageToken: `t${++page}` }) }) });
    const html = await fetch(new URL('/v1/projects/p1/policy', fake.url));
    assert.deepEqual([html.status, html.headers.get('content-type'), await html.text()], [200, 'text/html', '<html>bad gateway</html>']);
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/policy')).body, POLICY, 'spent after one answer');
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/notes/n1/occurrences')).body, { nextPageToken: 't1' });
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/notes/n1/occurrences?pageToken=t1')).body, { nextPageToken: 't2' });
  });

  test('rewrite replaces the body the route answered (a foreign name, extra occurrences)', async (t) => {
    const fake = await fakeFor(t);
    fake.state.policies.set('projects/p1', POLICY);
    fake.inject({ match: (r) => r.path.endsWith('/policy'), count: 1, rewrite: (body) => ({ ...(body as object), name: 'projects/evil/policy' }) });
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/policy')).body, { ...POLICY, name: 'projects/evil/policy' });
  });

  test('reset closes the connection with no answer; drip sends headers and a body that never ends', async (t) => {
    const fake = await fakeFor(t);
    fake.inject({ count: 1, reset: true });
    await assert.rejects(fetch(new URL('/v1/projects/p1/policy', fake.url)), (error: Error) =>
      /ECONNRESET|other side closed|socket/i.test(String((error.cause as Error | undefined)?.message ?? error.message)),
    );
    fake.inject({ count: 1, dripMs: 10 });
    const controller = new AbortController();
    const dripping = await fetch(new URL('/v1/projects/p1/policy', fake.url), { signal: controller.signal });
    assert.equal(dripping.status, 200);
    const reader = (dripping.body as ReadableStream<Uint8Array>).getReader();
    let bytes = 0;
    while (bytes < 5) bytes += ((await reader.read()).value ?? new Uint8Array()).length;
    controller.abort();
    await assert.rejects(reader.read());
  });

  test('inject() takes exactly one way to misbehave', async (t) => {
    const fake = await fakeFor(t);
    assert.throws(() => fake.inject({ count: 1 }), /exactly one of/);
    assert.throws(() => fake.inject({ count: 1, hang: true, reset: true }), /exactly one of/);
  });

  test('fake-google-main injects the faults of its state file, scoped to one API', async (t) => {
    const dir = tempDir(t, 'fake-google-');
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify({ policies: { 'projects/p1': POLICY }, faults: [{ api: 'containeranalysis', count: 1, raw: { body: 'null' } }] }));
    const main = fileURLToPath(new URL('./helpers/fake-google-main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, stateFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill());
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const fake = { url: (JSON.parse((await lines.next()).value as string) as { url: string }).url } as FakeGoogle;
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/policy')).body, POLICY, 'another API is not touched');
    assert.equal((await getJson(fake, '/v1/projects/p1/notes/n1/occurrences')).body, null);
    assert.deepEqual((await getJson(fake, '/v1/projects/p1/notes/n1/occurrences')).body, {});
  });
});
