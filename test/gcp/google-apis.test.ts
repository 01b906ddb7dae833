// Every Google request, checked with nock against what gcloud sends
// (test/fixtures/gcloud/requests.json): path, query, headers; and the failure messages.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { createCredentials } from '../../src/gcp/credentials.ts';
import { Redactor } from '../../src/report/redact.ts';
import { createGoogleApis, type GoogleApis } from '../../src/gcp/google-apis.ts';
import { createCallRunner } from '../../src/net/call-runner.ts';

const ROOT = 'https://binauthz.test.invalid';
const TOKEN = 'ya29.secret-test-token';
const DIGEST = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
const gcloud = JSON.parse(readFileSync(new URL('../fixtures/gcloud/requests.json', import.meta.url), 'utf8')) as {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}[];
const KEY_VERSION = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1';
const occurrence = (name: string) => ({ name, kind: 'ATTESTATION', noteName: 'projects/p1/notes/n1', resourceUri: `us-docker.pkg.dev/p1/repo/app@${DIGEST}` });

function apis(deadlineMs = 5000, maxAttempts = 6): GoogleApis {
  return createGoogleApis({
    auth: createCredentials(TOKEN, new Redactor()),
    endpoints: { binaryauthorization: `${ROOT}/`, containeranalysis: `${ROOT}/`, cloudkms: `${ROOT}/` },
    userAgent: { product: 'binauthz-gate', version: '9.9.9' },
    runner: createCallRunner({ concurrency: 4, deadline: Date.now() + deadlineMs, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts } }),
  });
}

describe('Google API requests', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('gets the policy as gcloud does, with the token and our user agent', async () => {
    const expected = gcloud.find((r) => r.path.endsWith('/policy'));
    assert.equal(expected?.path, '/v1/projects/p1/policy');
    const scope = nock(ROOT, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'user-agent': /binauthz-gate\/9\.9\.9/ } })
      .get('/v1/projects/p1/policy')
      .reply(200, { name: 'projects/p1/policy' });
    assert.deepEqual(await apis().getPolicy('p1'), { name: 'projects/p1/policy' });
    scope.done();
  });

  it('gets an attestor at its v1 path', async () => {
    assert.ok(gcloud.some((r) => r.method === 'GET' && r.path === '/v1/projects/p1/attestors/a1'));
    const scope = nock(ROOT).get('/v1/projects/p1/attestors/a1').reply(200, { name: 'projects/p1/attestors/a1' });
    await apis().getAttestor('projects/p1/attestors/a1');
    scope.done();
  });

  it("lists occurrences with gcloud's filter and page size, following every page", async () => {
    const expected = gcloud.find((r) => r.path === '/v1/projects/p1/notes/n1/occurrences');
    assert.deepEqual(
      { filter: expected?.query['filter'], pageSize: expected?.query['pageSize'] },
      { filter: `has_suffix(resourceUrl, "${DIGEST}")`, pageSize: '100' },
    );
    const scope = nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query({ filter: expected?.query['filter'], pageSize: '100' })
      .reply(200, { occurrences: [occurrence('o1'), occurrence('o2')], nextPageToken: 'page-2' })
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query({ filter: expected?.query['filter'], pageSize: '100', pageToken: 'page-2' })
      .reply(200, { occurrences: [occurrence('o3')] });
    const list = await apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST);
    assert.deepEqual(list, [occurrence('o1'), occurrence('o2'), occurrence('o3')]);
    scope.done();
  });

  it('never asks twice for the same answer', async () => {
    const scope = nock(ROOT).get('/v1/projects/p1/attestors/a1').once().reply(200, { name: 'projects/p1/attestors/a1' });
    const client = apis();
    await Promise.all([client.getAttestor('projects/p1/attestors/a1'), client.getAttestor('projects/p1/attestors/a1')]);
    await client.getAttestor('projects/p1/attestors/a1');
    scope.done();
  });

  it('retries 429 and 503, honouring Retry-After, then succeeds', async () => {
    const scope = nock(ROOT)
      .get('/v1/projects/p1/policy')
      .reply(429, { error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }, { 'Retry-After': '0' })
      .get('/v1/projects/p1/policy')
      .reply(503, { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } })
      .get('/v1/projects/p1/policy')
      .reply(200, { name: 'projects/p1/policy' });
    assert.deepEqual(await apis().getPolicy('p1'), { name: 'projects/p1/policy' });
    scope.done();
  });

  it('names the missing role on 403, the object on 404, and never the token', async () => {
    nock(ROOT)
      .get('/v1/projects/p1/policy')
      .reply(403, { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } });
    await assert.rejects(apis().getPolicy('p1'), (error: Error) => {
      assert.match(error.message, /Binary Authorization: failed to get policy projects\/p1\/policy: HTTP 403.*roles\/binaryauthorization\.policyViewer/);
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
    nock(ROOT)
      .get('/v1/projects/p1/attestors/gone')
      .reply(404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
    await assert.rejects(apis().getAttestor('projects/p1/attestors/gone'), /get attestor projects\/p1\/attestors\/gone: HTTP 404/);
    nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query(true)
      .reply(403, { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } });
    await assert.rejects(
      apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST),
      /Container Analysis: .*roles\/containeranalysis\.occurrences\.viewer/,
    );
  });

  it('signs a digest with Cloud KMS with the body gcloud sends', async () => {
    const gcloudSign = gcloud.find((r) => r.path.endsWith(':asymmetricSign'));
    const expected = JSON.parse(gcloudSign?.body ?? '') as { digest: { sha256: string } };
    const scope = nock(ROOT)
      .get(`/v1/${KEY_VERSION}`)
      .reply(200, { name: KEY_VERSION, algorithm: 'EC_SIGN_P256_SHA256' })
      .post(`/v1/${KEY_VERSION}:asymmetricSign`, (body) => JSON.stringify(body) === JSON.stringify(expected))
      .reply(200, { signature: Buffer.from('sig').toString('base64') });
    const client = apis();
    assert.equal(await client.getKeyVersionAlgorithm(KEY_VERSION), 'EC_SIGN_P256_SHA256');
    const signature = await client.asymmetricSign(KEY_VERSION, { hash: 'sha256', bytes: Buffer.from(expected.digest.sha256, 'base64url') });
    assert.equal(signature.toString(), 'sig');
    scope.done();
  });

  it('creates an occurrence with the body gcloud sends, and does not retry a 503 that may have created it', async () => {
    const gcloudCreate = gcloud.find((r) => r.method === 'POST' && r.path === '/v1/projects/p1/occurrences');
    const body = JSON.parse(gcloudCreate?.body ?? '');
    const created = (name: string) => ({ name, noteName: body.noteName, resourceUri: body.resourceUri, kind: 'ATTESTATION' });
    const scope = nock(ROOT)
      .post('/v1/projects/p1/occurrences', (sent) => JSON.stringify(sent) === JSON.stringify(body))
      .reply(200, created('projects/p1/occurrences/x'));
    assert.deepEqual(await apis().createOccurrence('p1', body), created('projects/p1/occurrences/x'));
    scope.done();
    const once = nock(ROOT)
      .post('/v1/projects/p1/occurrences')
      .once()
      .reply(503, { error: { code: 503, message: 'down', status: 'UNAVAILABLE' } });
    await assert.rejects(apis().createOccurrence('p1', body), /HTTP 503/);
    once.done();
    const throttled = nock(ROOT)
      .post('/v1/projects/p1/occurrences')
      .reply(429, { error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' } }, { 'Retry-After': '0' })
      .post('/v1/projects/p1/occurrences')
      .reply(200, created('projects/p1/occurrences/y'));
    assert.deepEqual(await apis().createOccurrence('p1', body), created('projects/p1/occurrences/y'));
    throttled.done();
  });

  it('gives up at the deadline with a message naming the API', async () => {
    nock(ROOT)
      .get('/v1/projects/p1/policy')
      .times(1000)
      .reply(503, { error: { code: 503, message: 'down', status: 'UNAVAILABLE' } });
    await assert.rejects(
      apis(300, 10_000).getPolicy('p1'),
      /Binary Authorization: failed to get policy projects\/p1\/policy: no answer within the time limit \(timeout\); \d+ attempt\(s\), the last answer was HTTP 503/,
    );
  });

  it("refuses another project's policy and another attestor, naming the API", async () => {
    nock(ROOT)
      .get('/v1/projects/p1/policy')
      .reply(200, { name: 'projects/evil/policy', defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW' } });
    await assert.rejects(
      apis().getPolicy('p1'),
      /^ApiError: Binary Authorization: failed to get policy projects\/p1\/policy: the answer \(HTTP 200\) is the policy projects\/evil\/policy/,
    );
    nock(ROOT).get('/v1/projects/p1/attestors/a1').reply(200, { name: 'projects/p1/attestors/evil' });
    await assert.rejects(
      apis().getAttestor('projects/p1/attestors/a1'),
      /Binary Authorization: failed to get attestor projects\/p1\/attestors\/a1: .*is the attestor projects\/p1\/attestors\/evil/,
    );
  });

  it('refuses a 200 that is HTML or truncated JSON whatever its Content-Type, and does not retry it', async () => {
    const html = nock(ROOT).get('/v1/projects/p1/notes/n1/occurrences').query(true).once().reply(200, '<html>proxy</html>', { 'Content-Type': 'text/html' });
    await assert.rejects(
      apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST),
      /Container Analysis: failed to list attestations on projects\/p1\/notes\/n1 for sha256:2cf2[0-9a-f]+: the answer \(HTTP 200\) is not the documented ListNoteOccurrencesResponse object: it is an HTML/,
    );
    html.done();
    nock(ROOT).get('/v1/projects/p1/notes/n1/occurrences').query(true).reply(200, '{"occurrences": [', { 'Content-Type': 'application/json' });
    await assert.rejects(apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST), /it is text that is not a JSON object/);
    nock(ROOT).get('/v1/projects/p1/notes/n1/occurrences').query(true).reply(200, '{"occurrences": []}', { 'Content-Type': 'application/octet-stream' });
    assert.deepEqual(await apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST), [], 'a JSON body is read as JSON whatever it is labelled');
  });

  it('leaves out occurrences on another note or for another digest, and names them', async () => {
    const foreign = { ...occurrence('projects/p1/occurrences/f'), noteName: 'projects/evil/notes/n1' };
    nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query(true)
      .reply(200, { occurrences: [foreign, occurrence('projects/p1/occurrences/ok')] });
    const listed = await apis().listOccurrences('projects/p1/notes/n1', DIGEST);
    assert.deepEqual(listed.onTarget, [occurrence('projects/p1/occurrences/ok')]);
    assert.deepEqual(listed.ignored, ['occurrence projects/p1/occurrences/f is on note projects/evil/notes/n1, not projects/p1/notes/n1']);
  });

  it('ends a list whose page token comes back, after two pages', async () => {
    const scope = nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query((q) => q['pageToken'] === undefined)
      .reply(200, { nextPageToken: 'a' })
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query((q) => q['pageToken'] === 'a')
      .reply(200, { nextPageToken: 'b' })
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query((q) => q['pageToken'] === 'b')
      .reply(200, { nextPageToken: 'a' });
    await assert.rejects(
      apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST),
      /Container Analysis: .*repeats a page token it gave before, so the list would never end/,
    );
    scope.done();
  });

  it('reads at most 100 pages of one list', async () => {
    let page = 0;
    const scope = nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query(true)
      .times(100)
      .reply(200, () => ({ nextPageToken: `p${++page}` }));
    await assert.rejects(apis().listAttestationOccurrences('projects/p1/notes/n1', DIGEST), /asks for a page beyond 100 pages/);
    scope.done();
    assert.equal(page, 100);
  });

  it('refuses an answer over 8 MiB, by its Content-Length or by the bytes read, without retrying', async () => {
    const declared = nock(ROOT)
      .get('/v1/projects/p1/policy')
      .once()
      .reply(200, '{}', { 'Content-Length': String(9 * 1024 * 1024) });
    await assert.rejects(
      apis().getPolicy('p1'),
      /Binary Authorization: failed to get policy projects\/p1\/policy: the answer is larger than binauthz-gate reads/,
    );
    declared.done();
    const counted = nock(ROOT)
      .get('/v1/projects/p1/policy')
      .once()
      .reply(200, `{"etag": "${'x'.repeat(9 * 1024 * 1024)}"}`, { 'Transfer-Encoding': 'chunked' });
    await assert.rejects(apis().getPolicy('p1'), /the answer is larger than binauthz-gate reads/);
    counted.done();
  });

  it('retries a reset connection, but not a failure that is neither an answer nor a network error', async () => {
    const reset = nock(ROOT)
      .get('/v1/projects/p1/policy')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get('/v1/projects/p1/policy')
      .reply(200, { name: 'projects/p1/policy' });
    assert.deepEqual(await apis().getPolicy('p1'), { name: 'projects/p1/policy' });
    reset.done();
    const strange = nock(ROOT).get('/v1/projects/p1/policy').once().replyWithError('something odd');
    await assert.rejects(apis().getPolicy('p1'), (error: Error) => {
      assert.match(error.message, /Binary Authorization: failed to get policy projects\/p1\/policy: no answer \(.*something odd\)/);
      assert.ok(!error.message.includes(ROOT), "the request URL (which may carry an answer's page token) is not quoted");
      return true;
    });
    strange.done();
  });
});
