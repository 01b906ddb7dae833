// The Cloud Run Admin API requests, checked with nock: paths and paging as the googleapis `run`
// discovery documents define them, and every answer checked against its question.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { Redactor } from '../../src/report/redact.ts';
import { createCredentials } from '../../src/gcp/credentials.ts';
import { createCloudRunApis, MAX_PAGES, type CloudRunApis } from '../../src/gcp/cloud-run.ts';
import { createCallRunner } from '../../src/net/call-runner.ts';
import { deployedJob, deployedService } from '../helpers/fake-cloud-run.ts';

const ROOT = 'https://run.test.invalid';
const TOKEN = 'ya29.cloud-run-test-token';
const IMAGE = `us-docker.pkg.dev/p1/apps/web@sha256:${'a'.repeat(64)}`;

function apis(deadlineMs = 5000): CloudRunApis {
  return createCloudRunApis({
    auth: createCredentials(TOKEN, new Redactor()),
    rootUrl: `${ROOT}/`,
    userAgent: { product: 'binauthz-gate', version: '9.9.9' },
    runner: createCallRunner({ concurrency: 4, deadline: Date.now() + deadlineMs, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 } }),
  });
}

describe('Cloud Run Admin API', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('lists every page of services in one region, with the token', async () => {
    const first = deployedService('p1', 'us-central1', 'web', [IMAGE]);
    const second = deployedService('p1', 'us-central1', 'api', [IMAGE]);
    const scope = nock(ROOT, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/v2/projects/p1/locations/us-central1/services')
      .query({ pageSize: '100' })
      .reply(200, { services: [first], nextPageToken: 'page-2' })
      .get('/v2/projects/p1/locations/us-central1/services')
      .query({ pageSize: '100', pageToken: 'page-2' })
      .reply(200, { services: [second] });
    const services = await apis().list('services', 'p1', 'us-central1');
    assert.deepEqual(
      services.map((s) => s['name']),
      ['projects/p1/locations/us-central1/services/web', 'projects/p1/locations/us-central1/services/api'],
    );
    scope.done();
  });

  it('refuses an answer larger than binauthz-gate reads, and an error body is quoted only in part', async () => {
    const huge = `{"services": [], "padding": "${'x'.repeat(9 * 1024 * 1024)}"}`;
    nock(ROOT).get('/v2/projects/p1/locations/us-central1/services').query(true).reply(200, huge, { 'content-type': 'application/json' });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /larger than binauthz-gate reads/);
    const said = `PERMISSION_DENIED ${'y'.repeat(10_000)}`;
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/jobs')
      .query(true)
      .reply(403, { error: { code: 403, message: said, status: 'PERMISSION_DENIED' } });
    const error = await apis()
      .list('jobs', 'p1', 'us-central1')
      .then(
        () => assert.fail('a 403 must fail'),
        (e: unknown) => e as Error,
      );
    assert.match(error.message, /HTTP 403/);
    assert.ok(error.message.length < 1000, `${error.message.length} characters`);
  });

  it('lists jobs, and reads an empty answer as no jobs', async () => {
    nock(ROOT)
      .get('/v2/projects/p1/locations/europe-west1/jobs')
      .query(true)
      .reply(200, { jobs: [deployedJob('p1', 'europe-west1', 'nightly', [IMAGE])] });
    nock(ROOT).get('/v2/projects/p1/locations/us-east1/jobs').query(true).reply(200, {});
    assert.equal((await apis().list('jobs', 'p1', 'europe-west1')).length, 1);
    assert.deepEqual(await apis().list('jobs', 'p1', 'us-east1'), []);
  });

  it('accepts the project number Google may answer with, never another project or region', async () => {
    const numbered = { ...deployedService('p1', 'us-central1', 'web', [IMAGE]), name: 'projects/123456789/locations/us-central1/services/web' };
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(200, { services: [numbered] });
    assert.equal((await apis().list('services', 'p1', 'us-central1')).length, 1);
    const foreign = deployedService('evil', 'us-central1', 'web', [IMAGE]);
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(200, { services: [foreign] });
    await assert.rejects(
      apis().list('services', 'p1', 'us-central1'),
      /Cloud Run: .*the answer \(HTTP 200\) holds an item that is not one of the services of projects\/p1\/locations\/us-central1/,
    );
    const otherRegion = deployedService('p1', 'us-east1', 'web', [IMAGE]);
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(200, { services: [otherRegion] });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /not one of the services/);
    const job = deployedJob('p1', 'us-central1', 'web', [IMAGE]);
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(200, { services: [job] });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /not one of the services/, 'a job is not a service');
  });

  it('refuses a garbled answer, a repeated page token and an endless list', async () => {
    nock(ROOT).get('/v2/projects/p1/locations/us-central1/services').query(true).reply(200, '<html>oops</html>', { 'content-type': 'text/html' });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /the answer \(HTTP 200\) is not the documented list response/);
    nock(ROOT).get('/v2/projects/p1/locations/us-central1/services').query(true).reply(200, { services: 'all fine' });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /has a "services" that is not a list/);
    nock(ROOT).get('/v2/projects/p1/locations/us-central1/services').query(true).times(3).reply(200, { services: [], nextPageToken: 'same' });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /repeats a page token it gave before/);
    let page = 0;
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/jobs')
      .query(true)
      .times(MAX_PAGES + 1)
      .reply(200, () => ({ jobs: [], nextPageToken: `t${++page}` }));
    await assert.rejects(apis().list('jobs', 'p1', 'us-central1'), new RegExp(`beyond ${MAX_PAGES} pages`));
  });

  it('names the role on a 403 and retries a 503', async () => {
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(403, { error: { code: 403, status: 'PERMISSION_DENIED', message: 'denied' } });
    await assert.rejects(apis().list('services', 'p1', 'us-central1'), /HTTP 403, permission denied: the caller needs roles\/run\.viewer/);
    nock(ROOT)
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(503, {})
      .get('/v2/projects/p1/locations/us-central1/services')
      .query(true)
      .reply(200, {});
    assert.deepEqual(await apis().list('services', 'p1', 'us-central1'), []);
  });

  it('lists the project locations through v1 for --region all', async () => {
    nock(ROOT)
      .get('/v1/projects/p1/locations')
      .reply(200, {
        locations: [
          { name: 'projects/p1/locations/us-central1', locationId: 'us-central1' },
          { name: 'projects/p1/locations/europe-west1', locationId: 'europe-west1' },
        ],
      });
    assert.deepEqual(await apis().listRegions('p1'), ['europe-west1', 'us-central1']);
    nock(ROOT)
      .get('/v1/projects/p1/locations')
      .reply(200, { locations: [{ locationId: '../../x' }] });
    await assert.rejects(apis().listRegions('p1'), /holds a location without a valid locationId/);
  });
});
