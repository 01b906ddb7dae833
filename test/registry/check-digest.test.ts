// The digest check over real HTTP, against the loopback fake registry reached through mirrors: a HEAD by
// digest, the resolver's auth, and an answer that must be about the digest asked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createDigestChecker, type RegistrySettings } from '../../src/registry/index.ts';
import type { FakeRegistry } from '../helpers/fake-registry.ts';
import { fakeRegistriesClosedAfterEach, mirroredSettings } from '../helpers/loopback-registry.ts';

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
const MANIFEST_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const UNKNOWN = `sha256:${'c'.repeat(64)}`;
const GOOGLE_TOKEN = 'ya29.secret-google-token';
const fakeRegistry = fakeRegistriesClosedAfterEach();

const settingsFor = (registry: FakeRegistry, overrides: Partial<RegistrySettings> = {}): RegistrySettings =>
  mirroredSettings(registry, ['registry.example.com', 'us-docker.pkg.dev', 'docker.io'], overrides);

const app = (digest: string) => ({ registry: 'registry.example.com', repository: 'team/app', digest });
const manifestRequests = (registry: FakeRegistry) => registry.requests.filter((request) => request.path.startsWith('/v2/'));

describe('createDigestChecker', () => {
  it('confirms a pushed digest with one HEAD by digest, the colon sent as written', async () => {
    const registry = await fakeRegistry();
    registry.pushManifest('team/app', 'v1', MANIFEST, 'application/vnd.oci.image.index.v1+json');
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.deepEqual(check, { ok: true });
    assert.deepEqual(
      manifestRequests(registry).map((r) => [r.method, r.path]),
      [['HEAD', `/v2/team/app/manifests/${MANIFEST_DIGEST}`]],
    );
    assert.match(
      manifestRequests(registry)[0]?.headers['accept'] ?? '',
      /application\/vnd\.oci\.image\.index\.v1\+json.*application\/vnd\.oci\.image\.manifest\.v1\+json/,
    );
  });

  it('a digest the registry does not know is `unknown` (404), naming it', async () => {
    const registry = await fakeRegistry();
    registry.pushManifest('team/app', 'v1', MANIFEST);
    const check = await createDigestChecker(settingsFor(registry))(app(UNKNOWN));
    assert.deepEqual(check, {
      ok: false,
      kind: 'unknown',
      problem: `registry.example.com/team/app@${UNKNOWN} does not exist in its registry (HTTP 404)`,
      status: 404,
    });
  });

  it('a digest of another repository is unknown in this one', async () => {
    const registry = await fakeRegistry();
    registry.pushManifest('team/other', 'v1', MANIFEST);
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.equal(check.ok === false && check.kind, 'unknown');
  });

  it('refuses an answer whose Docker-Content-Digest is another digest', async () => {
    const registry = await fakeRegistry({
      fault: (request) =>
        request.path.startsWith('/v2/')
          ? { status: 200, headers: { 'docker-content-digest': UNKNOWN, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }
          : null,
    });
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.equal(check.ok, false);
    assert.equal(check.ok === false && check.kind, 'failed');
    assert.match(check.ok === false ? check.problem : '', new RegExp(`with Docker-Content-Digest ${UNKNOWN}: not the manifest asked for`));
  });

  it('never quotes a Docker-Content-Digest that is not a digest', async () => {
    const registry = await fakeRegistry({
      fault: (request) =>
        request.path.startsWith('/v2/') ? { status: 200, headers: { 'docker-content-digest': 'ghp_plantedSecret0123456789 <b>pass</b>' } } : null,
    });
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.equal(check.ok === false && check.kind, 'failed');
    const problem = check.ok === false ? check.problem : '';
    assert.match(problem, /with a Docker-Content-Digest header that is not a digest: not the manifest asked for/);
    assert.ok(!problem.includes('ghp_') && !problem.includes('<b>'));
  });

  it('without the header, hashes the manifest: its own bytes pass, other bytes do not', async () => {
    const registry = await fakeRegistry({ omitDigestHeader: true });
    registry.pushManifest('team/app', 'v1', MANIFEST);
    assert.deepEqual(await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST)), { ok: true });
    assert.deepEqual(
      manifestRequests(registry).map((r) => r.method),
      ['HEAD', 'GET'],
    );
    // setTag serves a placeholder that does not hash to the digest it is filed under.
    registry.setTag('team/app', 'v2', UNKNOWN);
    const check = await createDigestChecker(settingsFor(registry))(app(UNKNOWN));
    assert.equal(check.ok === false && check.kind, 'failed');
    assert.match(check.ok === false ? check.problem : '', /with a manifest that hashes to sha256:[0-9a-f]{64}: not the manifest asked for/);
  });

  it('answers through an anonymous pull token when challenged', async () => {
    const registry = await fakeRegistry({ auth: 'bearer-anonymous' });
    registry.pushManifest('team/app', 'v1', MANIFEST);
    assert.deepEqual(await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST)), { ok: true });
    assert.deepEqual(
      manifestRequests(registry).map((r) => r.status),
      [401, 200],
    );
  });

  it('sends the Google token to Google hosts, and a refusal names the roles', async () => {
    const registry = await fakeRegistry({ auth: { bearerToken: GOOGLE_TOKEN } });
    registry.pushManifest('p1/repo/app', 'v1', MANIFEST);
    const image = { registry: 'us-docker.pkg.dev', repository: 'p1/repo/app', digest: MANIFEST_DIGEST };
    assert.deepEqual(await createDigestChecker(settingsFor(registry, { googleToken: async () => GOOGLE_TOKEN }))(image), { ok: true });
    const refused = await createDigestChecker(settingsFor(registry, { googleToken: async () => 'ya29.other' }))(image);
    assert.equal(refused.ok === false && refused.kind, 'failed');
    assert.match(
      refused.ok === false ? refused.problem : '',
      /manifest us-docker\.pkg\.dev\/p1\/repo\/app@sha256:[0-9a-f]{64} was not authorized \(HTTP 401\).*roles\/artifactregistry\.reader/,
    );
    assert.ok(!(refused.ok === false && refused.problem.includes('ya29')), 'no token in the problem');
  });

  it('a registry that fails is `failed`, naming the registry and the status', async () => {
    const registry = await fakeRegistry();
    registry.failNext(1, 503);
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.equal(check.ok === false && check.kind, 'failed');
    assert.match(check.ok === false ? check.problem : '', /registry answered HTTP 503 for manifest registry\.example\.com\/team\/app@sha256:/);
  });

  it('an unreachable registry is `failed`, never `unknown`', async () => {
    const registry = await fakeRegistry();
    await registry.close();
    const check = await createDigestChecker(settingsFor(registry))(app(MANIFEST_DIGEST));
    assert.equal(check.ok === false && check.kind, 'failed');
    assert.match(check.ok === false ? check.problem : '', /could not reach registry\.example\.com/);
  });

  it('asks once per digest', async () => {
    const registry = await fakeRegistry();
    registry.pushManifest('team/app', 'v1', MANIFEST);
    const checker = createDigestChecker(settingsFor(registry));
    await Promise.all([checker(app(MANIFEST_DIGEST)), checker(app(MANIFEST_DIGEST))]);
    assert.equal(manifestRequests(registry).length, 1);
  });
});
