// End to end over real HTTP: the resolver against the loopback fake registry, reached through --registry-mirror.
// Every registry host used here is mirrored, so no request may leave 127.0.0.1 and no name is looked up.
import { after, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { createDigestChecker, createResolver, createTagResolver, RegistryRequestError, type RegistrySettings } from '../../src/registry/index.ts';
import type { FakeRegistry } from '../helpers/fake-registry.ts';
import { fakeRegistriesClosedAfterEach, mirroredSettings } from '../helpers/loopback-registry.ts';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const GOOGLE_TOKEN = 'ya29.secret-google-token';
const MIRRORED_HOSTS = ['registry.example.com', 'gcr.io', 'us-docker.pkg.dev', 'docker.io'];

const fetchCalls = mock.method(globalThis, 'fetch');
const lookups = mock.method(dns, 'lookup');
const fakeRegistry = fakeRegistriesClosedAfterEach();

const settingsFor = (registry: FakeRegistry, overrides: Partial<RegistrySettings> = {}): RegistrySettings =>
  mirroredSettings(registry, MIRRORED_HOSTS, overrides);

/** A policy of the kind the CLI passes: retry what the resolver throws, waiting as told (capped for tests). */
function retryingSend(labels: string[], waits: (number | null)[]): RegistrySettings['send'] {
  return async (label, attempt) => {
    for (let tries = 1; ; tries += 1) {
      labels.push(label);
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof RegistryRequestError) || tries === 3) throw error;
        waits.push(error.retryAfterMs);
        await new Promise((resolve) => setTimeout(resolve, Math.min(error.retryAfterMs ?? 0, 5)));
      }
    }
  };
}

const app = (tag: string) => ({ registry: 'registry.example.com', repository: 'team/app', tag });
const manifestRequests = (registry: FakeRegistry) => registry.requests.filter((request) => request.path.startsWith('/v2/'));
const tokenRequests = (registry: FakeRegistry) => registry.requests.filter((request) => request.path.startsWith('/token'));

describe('createTagResolver against a loopback registry', () => {
  it('resolves a tag with one HEAD that accepts every manifest kind', async () => {
    const registry = await fakeRegistry();
    registry.setTag('team/app', 'v1', DIGEST_A, 'application/vnd.oci.image.index.v1+json');
    const resolution = await createTagResolver(settingsFor(registry))(app('v1'));
    assert.deepEqual(resolution, { ok: true, digest: DIGEST_A, mediaType: 'application/vnd.oci.image.index.v1+json' });
    assert.equal(registry.requests.length, 1);
    const [head] = registry.requests;
    assert.equal(head?.method, 'HEAD');
    assert.equal(head?.path, '/v2/team/app/manifests/v1');
    assert.equal(head?.headers['user-agent'], 'binauthz-gate-test/1');
    assert.equal(head?.headers['authorization'], undefined);
    assert.equal(
      head?.headers['accept'],
      'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
        'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('reaches Docker Hub images through a docker.io mirror, library/ included', async () => {
    const registry = await fakeRegistry();
    registry.setTag('library/nginx', '1.27', DIGEST_B);
    const resolution = await createTagResolver(settingsFor(registry))({ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' });
    assert.equal(resolution.ok && resolution.digest, DIGEST_B);
    assert.equal(registry.requests[0]?.path, '/v2/library/nginx/manifests/1.27');
  });

  it('says a missing tag does not exist, with status 404', async () => {
    const registry = await fakeRegistry();
    const resolution = await createTagResolver(settingsFor(registry))(app('v9'));
    assert.deepEqual(resolution, { ok: false, problem: 'tag v9 of registry.example.com/team/app does not exist (HTTP 404)', status: 404 });
  });

  it('shares one HEAD between concurrent resolutions of the same tag', async () => {
    const registry = await fakeRegistry({ latencyMs: 20 });
    registry.setTag('team/app', 'v1', DIGEST_A);
    const resolve = createTagResolver(settingsFor(registry));
    const [first, second] = await Promise.all([resolve(app('v1')), resolve(app('v1'))]);
    assert.deepEqual(first, second);
    assert.equal((await resolve(app('v1'))).ok, true);
    assert.equal(registry.requests.length, 1);
  });

  it('answers a Bearer challenge with an anonymous token from the realm, then retries once', async () => {
    const registry = await fakeRegistry({ auth: 'bearer-anonymous' });
    registry.setTag('team/app', 'v1', DIGEST_A);
    const resolution = await createTagResolver(settingsFor(registry))(app('v1'));
    assert.equal(resolution.ok && resolution.digest, DIGEST_A);
    assert.deepEqual(
      registry.requests.map((request) => [request.method, request.path, request.status, request.headers['authorization'] ?? null]),
      [
        ['HEAD', '/v2/team/app/manifests/v1', 401, null],
        ['GET', '/token?service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull', 200, null],
        ['HEAD', '/v2/team/app/manifests/v1', 200, 'Bearer <redacted>'],
      ],
    );
  });

  it('fetches the token once for many tags of one repository, and sends it up front once the challenge is known', async () => {
    const registry = await fakeRegistry({ auth: 'bearer-anonymous' });
    const tags = ['v1', 'v2', 'v3', 'v4', 'v5'];
    for (const tag of tags) registry.setTag('team/app', tag, DIGEST_A);
    registry.setTag('team/app', 'v6', DIGEST_B);
    const resolve = createTagResolver(settingsFor(registry));
    const resolutions = await Promise.all(tags.map((tag) => resolve(app(tag))));
    assert.ok(resolutions.every((resolution) => resolution.ok));
    assert.equal(tokenRequests(registry).length, 1);
    const before = manifestRequests(registry).length;
    assert.equal((await resolve(app('v6'))).ok, true);
    assert.equal(manifestRequests(registry).length - before, 1, 'a later tag goes straight in with the token');
    assert.equal(tokenRequests(registry).length, 1);
  });

  it('a digest checker on the same client reuses the token the tag resolver fetched', async () => {
    const registry = await fakeRegistry({ auth: 'bearer-anonymous' });
    registry.setTag('team/app', 'v1', DIGEST_A);
    const settings = settingsFor(registry);
    const client = createResolver(settings);
    assert.equal((await createTagResolver(settings, client)(app('v1'))).ok, true);
    const check = await createDigestChecker(settings, client)({ registry: 'registry.example.com', repository: 'team/app', digest: DIGEST_A });
    assert.deepEqual(check, { ok: true });
    assert.equal(tokenRequests(registry).length, 1, 'one token for the tag and the digest of one repository');
  });

  it('sends the Google token to Google hosts, asking for it once per resolver', async () => {
    const registry = await fakeRegistry({ auth: { bearerToken: GOOGLE_TOKEN } });
    registry.setTag('p/r/web', 'v1', DIGEST_A);
    registry.setTag('p/app', 'v1', DIGEST_B);
    let asked = 0;
    const googleToken = async () => {
      asked += 1;
      return GOOGLE_TOKEN;
    };
    const resolve = createTagResolver(settingsFor(registry, { googleToken }));
    const [web, gcr] = await Promise.all([
      resolve({ registry: 'us-docker.pkg.dev', repository: 'p/r/web', tag: 'v1' }),
      resolve({ registry: 'gcr.io', repository: 'p/app', tag: 'v1' }),
    ]);
    assert.equal(web.ok && web.digest, DIGEST_A);
    assert.equal(gcr.ok && gcr.digest, DIGEST_B);
    assert.equal(asked, 1);
    assert.equal(registry.requests.length, 2);
    assert.ok(registry.requests.every((request) => request.headers['authorization'] === 'Bearer <redacted>'));
  });

  it('never sends the Google token to other hosts', async () => {
    const registry = await fakeRegistry({ auth: { bearerToken: GOOGLE_TOKEN } });
    registry.setTag('team/app', 'v1', DIGEST_A);
    const resolution = await createTagResolver(settingsFor(registry, { googleToken: async () => GOOGLE_TOKEN }))(app('v1'));
    assert.equal(resolution.ok, false);
    assert.equal(resolution.ok ? null : resolution.status, 401);
    assert.match(resolution.ok ? '' : resolution.problem, /refused an anonymous pull/);
    assert.ok(!JSON.stringify(resolution).includes(GOOGLE_TOKEN));
  });

  it('reports 401 on a Google host without a token, with the roles to grant', async () => {
    const registry = await fakeRegistry({ auth: { bearerToken: GOOGLE_TOKEN } });
    registry.setTag('p/app', 'v1', DIGEST_A);
    const resolution = await createTagResolver(settingsFor(registry))({ registry: 'gcr.io', repository: 'p/app', tag: 'v1' });
    assert.equal(resolution.ok, false);
    if (resolution.ok) return;
    assert.equal(resolution.status, 401);
    assert.match(resolution.problem, /^reading tag v1 of gcr\.io\/p\/app was not authorized \(HTTP 401\) with no Google access token available/);
    assert.match(resolution.problem, /grant roles\/artifactregistry\.reader \(Artifact Registry\) or roles\/storage\.objectViewer \(gcr\.io\) to the caller/);
    // The anonymous token it was handed was tried once and refused: no loop.
    assert.deepEqual(
      manifestRequests(registry).map((request) => request.status),
      [401, 401],
    );
  });

  it('fails clearly on a Basic challenge', async () => {
    const registry = await fakeRegistry({ auth: 'basic' });
    const resolution = await createTagResolver(settingsFor(registry))(app('v1'));
    assert.equal(resolution.ok ? null : resolution.status, 401);
    assert.match(resolution.ok ? '' : resolution.problem, /needs registry credentials \(HTTP 401, Basic challenge\), which are not supported yet/);
    assert.equal(registry.requests.length, 1);
  });

  it('passes a 503 to send, whose retries get the answer', async () => {
    const registry = await fakeRegistry();
    registry.setTag('team/app', 'v1', DIGEST_A);
    registry.failNext(2, 503, 0);
    const labels: string[] = [];
    const waits: (number | null)[] = [];
    const resolution = await createTagResolver(settingsFor(registry, { send: retryingSend(labels, waits) }))(app('v1'));
    assert.equal(resolution.ok && resolution.digest, DIGEST_A);
    assert.deepEqual(labels, Array(3).fill('HEAD registry.example.com/team/app:v1'));
    assert.deepEqual(waits, [0, 0]);
    assert.deepEqual(
      registry.requests.map((request) => request.status),
      [503, 503, 200],
    );
  });

  it('hands Retry-After of a 429 to send, and reports the status once send gives up', async () => {
    const registry = await fakeRegistry();
    registry.failNext(5, 429, 7);
    const waits: (number | null)[] = [];
    const resolution = await createTagResolver(settingsFor(registry, { send: retryingSend([], waits) }))(app('v1'));
    assert.deepEqual(waits, [7000, 7000]);
    assert.deepEqual(resolution, {
      ok: false,
      problem: `registry answered HTTP 429 for tag v1 of registry.example.com/team/app (through ${registry.url})`,
      status: 429,
    });
  });

  it('falls back to GET and hashes the manifest when Docker-Content-Digest is missing', async () => {
    const registry = await fakeRegistry({ omitDigestHeader: true });
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] });
    const digest = registry.pushManifest('team/app', 'v1', manifest);
    const resolution = await createTagResolver(settingsFor(registry))(app('v1'));
    assert.deepEqual(resolution, { ok: true, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    assert.deepEqual(
      registry.requests.map((request) => `${request.method} ${request.path}`),
      ['HEAD /v2/team/app/manifests/v1', 'GET /v2/team/app/manifests/v1'],
    );
  });

  it('names the host when the registry cannot be reached', async () => {
    const registry = await fakeRegistry();
    const { url } = registry;
    await registry.close();
    const resolution = await createTagResolver(settingsFor(registry))(app('v1'));
    assert.equal(resolution.ok ? null : resolution.status, null);
    assert.match(
      resolution.ok ? '' : resolution.problem,
      new RegExp(
        `^could not reach registry\\.example\\.com \\(through ${url}\\): connect ECONNREFUSED .*, so tag v1 of registry\\.example\\.com/team/app was not resolved$`,
      ),
    );
  });

  after(() => {
    // Not a test of its own so that it runs last: every request of this file went to the loopback registry.
    const urls = fetchCalls.mock.calls.map((call) => String(call.arguments[0]));
    assert.ok(urls.length > 20);
    assert.deepEqual(
      urls.filter((url) => !url.startsWith('http://127.0.0.1:')),
      [],
    );
    // listen('127.0.0.1') passes its address through dns.lookup, which answers IP literals without DNS.
    const names = lookups.mock.calls.map((call) => String(call.arguments[0])).filter((name) => isIP(name) === 0);
    assert.deepEqual(names, []);
  });
});
