// attest's one deleting call: DELETE v1/projects/P/occurrences/ID, retried only on 429 (a 5xx may have
// deleted it already), and the list after creating asked as a new question, not answered from the first list.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { Redactor } from '../../src/report/redact.ts';
import { createCredentials } from '../../src/gcp/credentials.ts';
import { createGoogleApis, type GoogleApis } from '../../src/gcp/google-apis.ts';
import { createCallRunner } from '../../src/net/call-runner.ts';

const ROOT = 'https://binauthz.test.invalid';
const TOKEN = 'ya29.secret-test-token';
const DIGEST = `sha256:${'d'.repeat(64)}`;

function apis(): GoogleApis {
  return createGoogleApis({
    auth: createCredentials(TOKEN, new Redactor()),
    endpoints: { binaryauthorization: `${ROOT}/`, containeranalysis: `${ROOT}/`, cloudkms: `${ROOT}/` },
    userAgent: { product: 'binauthz-gate', version: '9.9.9' },
    runner: createCallRunner({ concurrency: 4, deadline: Date.now() + 5000, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 6 } }),
  });
}

describe('deleteOccurrence', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('deletes by name with the token', async () => {
    const scope = nock(ROOT, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .delete('/v1/projects/p1/occurrences/abc')
      .reply(200, {});
    await apis().deleteOccurrence('projects/p1/occurrences/abc');
    scope.done();
  });

  it('retries a 429, never a 503, and names the API and the occurrence', async () => {
    const retried = nock(ROOT)
      .delete('/v1/projects/p1/occurrences/abc')
      .reply(429, { error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' } }, { 'Retry-After': '0' })
      .delete('/v1/projects/p1/occurrences/abc')
      .reply(200, {});
    await apis().deleteOccurrence('projects/p1/occurrences/abc');
    retried.done();
    const once = nock(ROOT)
      .delete('/v1/projects/p1/occurrences/abc')
      .once()
      .reply(503, { error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } });
    await assert.rejects(
      apis().deleteOccurrence('projects/p1/occurrences/abc'),
      /Container Analysis.*delete occurrence projects\/p1\/occurrences\/abc.*HTTP 503/s,
    );
    once.done();
    assert.equal(nock.pendingMocks().length, 0);
  });

  it('a list asked again in another round is asked again', async () => {
    const created = { name: 'projects/p1/occurrences/new', noteName: 'projects/p1/notes/n1', resourceUri: `gcr.io/p1/app@${DIGEST}` };
    const scope = nock(ROOT)
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query(true)
      .reply(200, {})
      .get('/v1/projects/p1/notes/n1/occurrences')
      .query(true)
      .reply(200, { occurrences: [created] });
    const google = apis();
    assert.deepEqual(await google.listAttestationOccurrences('projects/p1/notes/n1', DIGEST), []);
    assert.deepEqual(await google.listAttestationOccurrences('projects/p1/notes/n1', DIGEST), [], 'the same question: the first answer');
    assert.deepEqual(await google.listAttestationOccurrences('projects/p1/notes/n1', DIGEST, 'after creating'), [created]);
    scope.done();
  });
});
