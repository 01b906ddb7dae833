// The resolver's HTTP exchanges, exactly: paths, headers, the anonymous token flow, Google tokens, problems.
// nock answers for the real host names; real network access is switched off, so nothing leaves the process.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import nock from 'nock';
import { createTagResolver, type RegistrySettings, type TagResolution } from '../../src/registry/index.ts';

const ACCEPT =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
  'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const GOOGLE_TOKEN = 'ya29.google-secret';
const HUB_TOKEN = 'hub-secret-token';
const HUB_CHALLENGE = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
const INDEX = 'application/vnd.oci.image.index.v1+json';

function settings(overrides: Partial<RegistrySettings> = {}): RegistrySettings {
  return { mirrors: new Map(), googleToken: async () => null, userAgent: 'binauthz-gate/0.1.0', send: (_label, attempt) => attempt(), ...overrides };
}

const resolveOnce = (image: { registry: string; repository: string; tag: string }, overrides: Partial<RegistrySettings> = {}) =>
  createTagResolver(settings(overrides))(image);

// An Error instance: nock 15 given a plain object for a fetch request never settles the fetch.
const dnsFailure = () => Object.assign(new Error('getaddrinfo ENOTFOUND registry.example.com'), { code: 'ENOTFOUND' });

function problemOf(resolution: TagResolution): { problem: string; status: number | null } {
  if (resolution.ok) assert.fail(`expected a problem, got ${resolution.digest}`);
  return { problem: resolution.problem, status: resolution.status };
}

before(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  assert.deepEqual(pending, [], 'every expected request was made');
});
after(() => nock.enableNetConnect());

describe('createTagResolver: requests', () => {
  it('HEADs /v2/<repository>/manifests/<tag> accepting the four manifest kinds, and reads the digest header', async () => {
    nock('https://registry.example.com', { badheaders: ['authorization'] })
      .head('/v2/team/app/manifests/v1.2')
      .matchHeader('accept', ACCEPT)
      .matchHeader('user-agent', 'binauthz-gate/0.1.0')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST, 'Content-Type': `${INDEX}; charset=utf-8` });
    const resolution = await resolveOnce({ registry: 'registry.example.com', repository: 'team/app', tag: 'v1.2' });
    assert.deepEqual(resolution, { ok: true, digest: DIGEST, mediaType: INDEX });
  });

  it('keeps a registry port in the URL', async () => {
    nock('https://registry.example.com:5000').head('/v2/app/manifests/v1').reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const resolution = await resolveOnce({ registry: 'registry.example.com:5000', repository: 'app', tag: 'v1' });
    assert.deepEqual(resolution, { ok: true, digest: DIGEST, mediaType: null });
  });

  for (const registry of ['docker.io', 'index.docker.io']) {
    it(`serves ${registry} from registry-1.docker.io with an anonymous token from auth.docker.io`, async () => {
      nock('https://registry-1.docker.io', { badheaders: ['authorization'] })
        .head('/v2/library/nginx/manifests/1.27')
        .reply(401, '', { 'WWW-Authenticate': HUB_CHALLENGE });
      nock('https://auth.docker.io', { badheaders: ['authorization'] })
        .get('/token')
        .query({ service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })
        .reply(200, { token: HUB_TOKEN, expires_in: 300 });
      nock('https://registry-1.docker.io', { reqheaders: { authorization: `Bearer ${HUB_TOKEN}`, accept: ACCEPT } })
        .head('/v2/library/nginx/manifests/1.27')
        .reply(200, '', { 'Docker-Content-Digest': DIGEST, 'Content-Type': INDEX });
      const resolution = await resolveOnce({ registry, repository: 'library/nginx', tag: '1.27' });
      assert.deepEqual(resolution, { ok: true, digest: DIGEST, mediaType: INDEX });
    });
  }

  it('takes access_token when the token service answers OAuth2-style', async () => {
    nock('https://quay.io').head('/v2/org/app/manifests/v1').reply(401, '', { 'WWW-Authenticate': 'Bearer realm="https://quay.io/v2/auth",service="quay.io"' });
    nock('https://quay.io').get('/v2/auth').query({ service: 'quay.io', scope: 'repository:org/app:pull' }).reply(200, { access_token: 'quay-token' });
    nock('https://quay.io', { reqheaders: { authorization: 'Bearer quay-token' } })
      .head('/v2/org/app/manifests/v1')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    assert.equal((await resolveOnce({ registry: 'quay.io', repository: 'org/app', tag: 'v1' })).ok, true);
  });

  it('sends the Google token to Artifact Registry on the first request', async () => {
    nock('https://europe-west1-docker.pkg.dev', { reqheaders: { authorization: `Bearer ${GOOGLE_TOKEN}` } })
      .head('/v2/p/r/web/manifests/v1')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const resolution = await resolveOnce(
      { registry: 'europe-west1-docker.pkg.dev', repository: 'p/r/web', tag: 'v1' },
      { googleToken: async () => GOOGLE_TOKEN },
    );
    assert.equal(resolution.ok && resolution.digest, DIGEST);
  });

  it('asks for the Google token once, for Google hosts only, however many images', async () => {
    let asked = 0;
    const googleToken = async () => {
      asked += 1;
      return GOOGLE_TOKEN;
    };
    nock('https://gcr.io', { reqheaders: { authorization: `Bearer ${GOOGLE_TOKEN}` } })
      .head(/\/v2\/p\/app\/manifests\/v[12]/)
      .times(2)
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    nock('https://eu.gcr.io', { reqheaders: { authorization: `Bearer ${GOOGLE_TOKEN}` } })
      .head('/v2/p/app/manifests/v1')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    nock('https://ghcr.io', { badheaders: ['authorization'] })
      .head('/v2/o/app/manifests/v1')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const resolve = createTagResolver(settings({ googleToken }));
    const results = await Promise.all([
      resolve({ registry: 'gcr.io', repository: 'p/app', tag: 'v1' }),
      resolve({ registry: 'gcr.io', repository: 'p/app', tag: 'v2' }),
      resolve({ registry: 'eu.gcr.io', repository: 'p/app', tag: 'v1' }),
      resolve({ registry: 'ghcr.io', repository: 'o/app', tag: 'v1' }),
    ]);
    assert.ok(results.every((result) => result.ok));
    assert.equal(asked, 1);
  });

  it('never asks for a Google token when no image is on a Google host', async () => {
    nock('https://ghcr.io').head('/v2/o/app/manifests/v1').reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const googleToken = async () => assert.fail('googleToken must not be called');
    assert.equal((await resolveOnce({ registry: 'ghcr.io', repository: 'o/app', tag: 'v1' }, { googleToken })).ok, true);
  });

  it('pulls public Google images anonymously when there is no Google token', async () => {
    const challenge = 'Bearer realm="https://gcr.io/v2/token",service="gcr.io",scope="repository:distroless/static:pull"';
    nock('https://gcr.io').head('/v2/distroless/static/manifests/nonroot').reply(401, '', { 'WWW-Authenticate': challenge });
    nock('https://gcr.io').get('/v2/token').query({ service: 'gcr.io', scope: 'repository:distroless/static:pull' }).reply(200, { token: 'anon' });
    nock('https://gcr.io', { reqheaders: { authorization: 'Bearer anon' } })
      .head('/v2/distroless/static/manifests/nonroot')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const resolution = await resolveOnce({ registry: 'gcr.io', repository: 'distroless/static', tag: 'nonroot' });
    assert.equal(resolution.ok && resolution.digest, DIGEST);
  });

  it('sends requests for a mirrored host to the mirror, path prefix included, and mirrors the token realm too', async () => {
    nock('https://mirror.example.com').head('/hub/v2/library/nginx/manifests/1.27').reply(401, '', { 'WWW-Authenticate': HUB_CHALLENGE });
    nock('https://auth-mirror.example.com')
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })
      .reply(200, { token: HUB_TOKEN });
    nock('https://mirror.example.com', { reqheaders: { authorization: `Bearer ${HUB_TOKEN}` } })
      .head('/hub/v2/library/nginx/manifests/1.27')
      .reply(200, '', { 'Docker-Content-Digest': DIGEST });
    const mirrors = new Map([
      ['docker.io', 'https://mirror.example.com/hub/'],
      ['auth.docker.io', 'https://auth-mirror.example.com'],
    ]);
    const resolution = await resolveOnce({ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }, { mirrors });
    assert.equal(resolution.ok && resolution.digest, DIGEST);
  });

  it('falls back to GET and hashes the bytes when the digest header is malformed', async () => {
    const manifest = '{"schemaVersion":2,"manifests":[]}';
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    nock('https://registry.example.com').head('/v2/app/manifests/v1').reply(200, '', { 'Docker-Content-Digest': 'sha256:NOT-HEX' });
    nock('https://registry.example.com').get('/v2/app/manifests/v1').matchHeader('accept', ACCEPT).reply(200, manifest, { 'Content-Type': INDEX });
    assert.deepEqual(await resolveOnce({ registry: 'registry.example.com', repository: 'app', tag: 'v1' }), { ok: true, digest, mediaType: INDEX });
  });
});

describe('createTagResolver: problems', () => {
  const app = { registry: 'registry.example.com', repository: 'team/app', tag: 'v1' };

  it('says a 404 tag does not exist', async () => {
    nock('https://gcr.io').head('/v2/p/app/manifests/v1').reply(404);
    assert.deepEqual(problemOf(await resolveOnce({ registry: 'gcr.io', repository: 'p/app', tag: 'v1' })), {
      problem: 'tag v1 of gcr.io/p/app does not exist (HTTP 404)',
      status: 404,
    });
  });

  for (const status of [401, 403]) {
    it(`names the roles to grant on a Google ${status}, without quoting the token`, async () => {
      nock('https://us-docker.pkg.dev').head('/v2/p/r/app/manifests/v1').reply(status);
      const result = problemOf(
        await resolveOnce({ registry: 'us-docker.pkg.dev', repository: 'p/r/app', tag: 'v1' }, { googleToken: async () => GOOGLE_TOKEN }),
      );
      assert.deepEqual(result, {
        problem: `reading tag v1 of us-docker.pkg.dev/p/r/app was not authorized (HTTP ${status}): grant roles/artifactregistry.reader (Artifact Registry) or roles/storage.objectViewer (gcr.io) to the caller`,
        status,
      });
    });
  }

  it('does not retry a request that already carried an anonymous token, nor quote the token', async () => {
    nock('https://registry-1.docker.io').head('/v2/acme/private/manifests/v1').reply(401, '', { 'WWW-Authenticate': HUB_CHALLENGE });
    nock('https://auth.docker.io').get('/token').query(true).reply(200, { token: HUB_TOKEN });
    nock('https://registry-1.docker.io')
      .head('/v2/acme/private/manifests/v1')
      .reply(401, '', { 'WWW-Authenticate': `${HUB_CHALLENGE},error="insufficient_scope"` });
    const result = problemOf(await resolveOnce({ registry: 'docker.io', repository: 'acme/private', tag: 'v1' }));
    assert.equal(result.status, 401);
    assert.match(result.problem, /^reading tag v1 of docker\.io\/acme\/private was not authorized \(HTTP 401\): the registry refused an anonymous pull/);
    assert.ok(!result.problem.includes(HUB_TOKEN));
  });

  it('fails clearly on a Basic challenge', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').reply(401, '', { 'WWW-Authenticate': 'Basic realm="Registry Realm"' });
    const result = problemOf(await resolveOnce(app));
    assert.equal(result.status, 401);
    assert.match(
      result.problem,
      /^reading tag v1 of registry\.example\.com\/team\/app needs registry credentials \(HTTP 401, Basic challenge\), which are not supported yet/,
    );
  });

  it('fails clearly on a challenge without a realm', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').reply(401, '', { 'WWW-Authenticate': 'Bearer service="x"' });
    assert.match(problemOf(await resolveOnce(app)).problem, /not authorized \(HTTP 401\): the registry's Bearer challenge names no token realm$/);
  });

  it('says when the token service fails', async () => {
    nock('https://registry.example.com')
      .head('/v2/team/app/manifests/v1')
      .reply(401, '', { 'WWW-Authenticate': 'Bearer realm="https://auth.example.com/token"' });
    nock('https://auth.example.com').get('/token').query({ scope: 'repository:team/app:pull' }).reply(200, { nothing: true });
    assert.deepEqual(problemOf(await resolveOnce(app)), {
      problem: 'could not get an anonymous pull token for tag v1 of registry.example.com/team/app: the token service auth.example.com answered without a token',
      status: 200,
    });
  });

  it('reports other statuses as the registry answered them', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').reply(500);
    assert.deepEqual(problemOf(await resolveOnce(app)), { problem: 'registry answered HTTP 500 for tag v1 of registry.example.com/team/app', status: 500 });
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').reply(400);
    assert.deepEqual(problemOf(await resolveOnce(app)), { problem: 'registry answered HTTP 400 for tag v1 of registry.example.com/team/app', status: 400 });
  });

  it('names the host on a network error', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').replyWithError(dnsFailure());
    const result = problemOf(await resolveOnce(app));
    assert.equal(result.status, null);
    assert.equal(
      result.problem,
      'could not reach registry.example.com: getaddrinfo ENOTFOUND registry.example.com, so tag v1 of registry.example.com/team/app was not resolved',
    );
  });

  it('says when the Google token cannot be had', async () => {
    const googleToken = async () => {
      throw new Error('invalid_grant: reauth related error');
    };
    assert.deepEqual(problemOf(await resolveOnce({ registry: 'gcr.io', repository: 'p/app', tag: 'v1' }, { googleToken })), {
      problem: 'could not get a Google access token to read tag v1 of gcr.io/p/app: invalid_grant: reauth related error',
      status: null,
    });
  });

  it('refuses a GET whose digest header contradicts the bytes served', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/v1').reply(200);
    nock('https://registry.example.com').get('/v2/team/app/manifests/v1').reply(200, '{}', { 'Docker-Content-Digest': DIGEST });
    const result = problemOf(await resolveOnce(app));
    assert.equal(result.status, 200);
    assert.match(result.problem, /with Docker-Content-Digest sha256:c{64}, but the manifest it served hashes to sha256:44136fa3/);
  });
});
