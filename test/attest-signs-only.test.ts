// Attest signs only what the build made (issue 10, part 6), end to end through the built CLI and action
// against the loopback Google and registry: images are named explicitly (manifests only narrow them), each
// digest must exist in its registry before anything is signed, and concurrent or repeated runs leave one
// occurrence per attestor and digest, saying what happened.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGoogle, type FakeGoogle, type FakeGoogleOptions } from './helpers/fake-google.ts';
import { startFakeRegistry, type FakeRegistry, type FakeRegistryOptions } from './helpers/fake-registry.ts';
import { runCli, runCliJson } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';
import { attestedImages, skippedImages } from './helpers/attest-report.ts';

const KEY_VERSION = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/key/cryptoKeyVersions/1';
const ATTESTOR = 'projects/p1/attestors/a1';
const NOTE = 'projects/p1/notes/n1';
const APP = 'us-docker.pkg.dev/p1/repo/app';
const WORKER = 'us-docker.pkg.dev/p1/repo/worker';
const UNKNOWN = `sha256:${'e'.repeat(64)}`;
const ACTION = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface AttestJson {
  attestations: { image: string; digest: string; occurrence: string; outcome: string; created: boolean; removed: string | null; notes: string[] }[];
  skipped: { image: string; reason: string }[];
  errors: { image: string | null; kind: string; message: string }[];
}

const service = (name: string, images: readonly string[]) =>
  `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n${images.map((image) => `      - image: ${image}\n`).join('')}`;

describe('attest signs only what the build made', () => {
  let google: FakeGoogle;
  let registry: FakeRegistry;
  let appDigest: string;
  let workerDigest: string;

  async function start(options: { google?: FakeGoogleOptions; registry?: FakeRegistryOptions } = {}): Promise<void> {
    google = await startFakeGoogle(options.google);
    registry = await startFakeRegistry(options.registry);
    appDigest = registry.pushManifest('p1/repo/app', 'built', '{"schemaVersion":2,"app":true}');
    workerDigest = registry.pushManifest('p1/repo/worker', 'built', '{"schemaVersion":2,"worker":true}');
    const kms = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    google.state.kmsKeys.set(KEY_VERSION, { privateKey: kms.privateKey, algorithm: 'EC_SIGN_P256_SHA256' });
    google.state.attestors.set(ATTESTOR, {
      name: ATTESTOR,
      userOwnedGrafeasNote: {
        noteReference: NOTE,
        publicKeys: [
          {
            id: `//cloudkms.googleapis.com/v1/${KEY_VERSION}`,
            pkixPublicKey: { publicKeyPem: kms.publicKey.export({ type: 'spki', format: 'pem' }).toString(), signatureAlgorithm: 'ECDSA_P256_SHA256' },
          },
        ],
      },
    });
    google.state.policies.set('projects/p1', {
      name: 'projects/p1/policy',
      defaultAdmissionRule: { evaluationMode: 'REQUIRE_ATTESTATION', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', requireAttestationsBy: [ATTESTOR] },
    });
  }
  beforeEach(async () => start());
  afterEach(async () => {
    await google.close();
    await registry.close();
  });
  const restart = async (options: { google?: FakeGoogleOptions; registry?: FakeRegistryOptions }) => {
    await google.close();
    await registry.close();
    await start(options);
  };

  const args = (rest: string[]) => [
    'attest',
    '--attestor',
    ATTESTOR,
    '--kms-key-version',
    KEY_VERSION,
    '--registry-mirror',
    `us-docker.pkg.dev=${registry.url}`,
    ...rest,
  ];
  const attest = (rest: string[]) => runCliJson<AttestJson>([...args(rest), '--format', 'json'], { env: google.env() });
  const posts = () => google.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/occurrences'));
  const signs = () => google.requests.filter((r) => r.path.endsWith(':asymmetricSign'));
  const deletes = () => google.requests.filter((r) => r.method === 'DELETE');
  const occurrencesFor = (digest: string) =>
    (google.state.occurrences as { name: string; resourceUri: string }[]).filter((o) => o.resourceUri.endsWith(digest));

  describe('--from-manifests narrows, never adds', () => {
    it('with manifests naming X and Y and X given, signs X only', async () => {
      const dir = tempDir(after, 'attest-narrow-');
      writeFileSync(join(dir, 'web.yaml'), service('web', [`${APP}@${appDigest}`, `${WORKER}@${workerDigest}`]));
      const { code, report } = await attest(['--project', 'p1', '--from-manifests', dir, `${APP}@${appDigest}`]);
      assert.equal(code, 0, JSON.stringify(report));
      assert.deepEqual(
        report.attestations.map((a) => [a.image, a.outcome]),
        [[`${APP}@${appDigest}`, 'created']],
      );
      assert.deepEqual(
        posts().map((p) => (JSON.parse(p.body) as { resourceUri: string }).resourceUri),
        [`${APP}@${appDigest}`],
      );
      assert.equal(occurrencesFor(workerDigest).length, 0, 'Y, named only by a manifest, is never signed');
    });

    it('an image given that no manifest deploys is skipped, saying why, and not signed', async () => {
      const dir = tempDir(after, 'attest-narrow-');
      writeFileSync(join(dir, 'web.yaml'), service('web', [`${APP}@${appDigest}`]));
      const { code, report } = await attest(['--project', 'p1', '--from-manifests', dir, `${APP}@${appDigest}`, `${WORKER}@${workerDigest}`]);
      assert.equal(code, 0, JSON.stringify(report));
      assert.deepEqual(attestedImages(report), [`${APP}@${appDigest}`]);
      assert.deepEqual(skippedImages(report), [`${WORKER}@${workerDigest}`]);
      assert.match(report.skipped[0]?.reason ?? '', /no manifest given with --from-manifests deploys us-docker\.pkg\.dev\/p1\/repo\/worker@sha256:/);
      assert.equal(posts().length, 1);
    });

    it('compares repositories whatever their spelling, and attests each spelling given', async () => {
      const hub = registry.pushManifest('library/nginx', 'built', '{"schemaVersion":2,"nginx":true}');
      const dir = tempDir(after, 'attest-narrow-');
      writeFileSync(join(dir, 'web.yaml'), service('web', [`index.docker.io/library/nginx@${hub}`]));
      const given = [`nginx@${hub}`, `docker.io/library/nginx@${hub}`];
      const { code, report } = await attest(['--registry-mirror', `docker.io=${registry.url}`, '--project', 'p1', '--from-manifests', dir, ...given]);
      assert.equal(code, 0, JSON.stringify(report));
      assert.deepEqual(report.attestations.map((a) => a.image).sort(), [...given].sort());
      assert.deepEqual(
        posts()
          .map((p) => (JSON.parse(p.body) as { resourceUri: string }).resourceUri)
          .sort(),
        [...given].sort(),
        'an attestation binds the name as written',
      );
    });

    it('with no image given, is a usage error and nothing is asked of Google or the registry', async () => {
      const dir = tempDir(after, 'attest-narrow-');
      writeFileSync(join(dir, 'web.yaml'), service('web', [`${APP}@${appDigest}`]));
      const run = await runCli(args(['--project', 'p1', '--from-manifests', dir]), { env: google.env() });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /attest needs the images to attest as IMAGE@sha256:\.\.\. arguments \(--from-manifests only narrows them; it never adds one\)/);
      assert.equal(google.requests.length, 0);
      assert.equal(registry.requests.length, 0);
      assert.equal(google.state.occurrences.length, 0);
    });
  });

  describe('the digest must exist in its registry', () => {
    it('an unknown digest is refused (exit 1): nothing is signed or created', async () => {
      const { code, report } = await attest([`${APP}@${UNKNOWN}`]);
      assert.equal(code, 1, JSON.stringify(report));
      assert.deepEqual(report.attestations, []);
      assert.equal(report.errors[0]?.kind, 'not-attested');
      assert.match(
        report.errors[0]?.message ?? '',
        new RegExp(`^refused: us-docker\\.pkg\\.dev/p1/repo/app@${UNKNOWN} does not exist in its registry \\(HTTP 404\\); nothing was signed or created$`),
      );
      assert.deepEqual([signs().length, posts().length, google.state.occurrences.length], [0, 0, 0]);
      assert.ok(registry.requests.some((r) => r.method === 'HEAD' && r.path === `/v2/p1/repo/app/manifests/${UNKNOWN}` && r.status === 404));
    });

    it('a known digest next to an unknown one is still attested; the run fails for the unknown one', async () => {
      const { code, report } = await attest([`${APP}@${appDigest}`, `${WORKER}@${UNKNOWN}`]);
      assert.equal(code, 1);
      assert.deepEqual(attestedImages(report), [`${APP}@${appDigest}`]);
      assert.deepEqual(
        report.errors.map((e) => e.image),
        [`${WORKER}@${UNKNOWN}`],
      );
      assert.equal(posts().length, 1);
    });

    it('a registry that cannot say is exit 2, naming the registry and the status; nothing is created', async () => {
      await restart({ registry: { fault: (request) => (request.path.startsWith('/v2/') ? { status: 403, body: '{"errors":[{"code":"DENIED"}]}' } : null) } });
      const { code, report } = await attest([`${APP}@${appDigest}`]);
      assert.equal(code, 2, JSON.stringify(report));
      assert.equal(report.errors[0]?.kind, 'undecided');
      assert.match(
        report.errors[0]?.message ?? '',
        /could not confirm that the digest exists: reading manifest us-docker\.pkg\.dev\/p1\/repo\/app@sha256:[0-9a-f]{64} was not authorized \(HTTP 403\)/,
      );
      assert.deepEqual([signs().length, posts().length], [0, 0]);
    });

    it('is checked with --no-resolve-tags too: it is not tag resolution', async () => {
      const { code, report } = await attest(['--no-resolve-tags', `${APP}@${UNKNOWN}`]);
      assert.equal(code, 1);
      assert.match(report.errors[0]?.message ?? '', /HTTP 404/);
      assert.equal(posts().length, 0);
    });
  });

  describe('concurrent and repeated runs leave one occurrence', () => {
    it('two processes started at once: one creates, the other removes its own duplicate; both exit 0', async () => {
      await restart({ google: { race: { barrier: 2 } } });
      const [first, second] = await Promise.all([attest([`${APP}@${appDigest}`]), attest([`${APP}@${appDigest}`])]);
      assert.equal(first.code, 0, JSON.stringify(first.report));
      assert.equal(second.code, 0, JSON.stringify(second.report));
      assert.equal(posts().length, 2, 'both created: the race happened');
      const outcomes = [first.report, second.report].map((r) => r.attestations[0]);
      assert.deepEqual(outcomes.map((o) => o?.outcome).sort(), ['created', 'deduplicated']);
      const kept = outcomes.find((o) => o?.outcome === 'created');
      const loser = outcomes.find((o) => o?.outcome === 'deduplicated');
      assert.equal(loser?.occurrence, kept?.occurrence, 'both name the occurrence that stands');
      assert.equal(loser?.created, false);
      assert.notEqual(loser?.removed, kept?.occurrence);
      assert.deepEqual(
        deletes().map((d) => d.path),
        [`/v1/${loser?.removed}`],
        'the loser deletes only its own',
      );
      assert.deepEqual(
        occurrencesFor(appDigest).map((o) => o.name),
        [kept?.occurrence],
      );

      const again = await attest([`${APP}@${appDigest}`]);
      assert.deepEqual([again.code, again.report.attestations[0]?.outcome, again.report.attestations[0]?.occurrence], [0, 'existing', kept?.occurrence]);
      assert.equal(occurrencesFor(appDigest).length, 1);
    });

    it('says in text what happened to each run', async () => {
      await restart({ google: { race: { barrier: 2 } } });
      const runs = await Promise.all([
        runCli(args([`${APP}@${appDigest}`]), { env: google.env() }),
        runCli(args([`${APP}@${appDigest}`]), { env: google.env() }),
      ]);
      const out = runs.map((r) => r.stdout).join('\n');
      assert.deepEqual(
        runs.map((r) => r.code),
        [0, 0],
        out,
      );
      assert.match(out, /✅ created {2}us-docker\.pkg\.dev\/p1\/repo\/app@/);
      assert.match(out, /✅ created then removed as duplicate of projects\/p1\/occurrences\/[0-9a-f-]+ {2}us-docker/);
      assert.match(out, /Result: 0 created, 0 already attested, 1 created then removed as duplicate, 0 skipped, 0 failed/);
      const rerun = await runCli(args([`${APP}@${appDigest}`]), { env: google.env() });
      assert.match(rerun.stdout, /✅ already attested/);
      assert.equal(occurrencesFor(appDigest).length, 1);
    });

    it('an older valid occurrence made while this run created: this run deletes its own and names the older one', async () => {
      await restart({ google: { race: { twin: 'older' } } });
      const { code, report } = await attest([`${APP}@${appDigest}`]);
      assert.equal(code, 0, JSON.stringify(report));
      const [record] = report.attestations;
      assert.equal(record?.outcome, 'deduplicated');
      assert.match(record?.occurrence ?? '', /^projects\/p1\/occurrences\/twin-/);
      assert.deepEqual(
        occurrencesFor(appDigest).map((o) => o.name),
        [record?.occurrence],
      );
      assert.deepEqual(
        deletes().map((d) => d.path),
        [`/v1/${record?.removed}`],
      );
    });

    it('a younger one made by someone else is never deleted: this run keeps its own', async () => {
      await restart({ google: { race: { twin: 'younger' } } });
      const { code, report } = await attest([`${APP}@${appDigest}`]);
      assert.equal(code, 0, JSON.stringify(report));
      assert.equal(report.attestations[0]?.outcome, 'created');
      assert.equal(deletes().length, 0, 'only an occurrence this run created may be deleted, and only when it is the younger');
      assert.equal(occurrencesFor(appDigest).length, 2);
    });

    it('a failed delete leaves a valid attestation: exit 0, and the output says both remain', async () => {
      await restart({ google: { race: { twin: 'older' } } });
      google.inject({ match: (r) => r.method === 'DELETE', count: 5, status: 503 });
      const { code, report } = await attest([`${APP}@${appDigest}`]);
      assert.equal(code, 0, JSON.stringify(report));
      assert.equal(report.attestations[0]?.outcome, 'created');
      assert.equal(deletes().length, 1, 'a delete that failed with 503 is not retried');
      assert.equal(occurrencesFor(appDigest).length, 2);
      assert.match(
        report.attestations[0]?.notes.join('\n') ?? '',
        /projects\/p1\/occurrences\/twin-[0-9a-f-]+, made concurrently, is older; deleting this run's duplicate failed, so both remain: .*HTTP 503/,
      );
    });
  });
});

describe('the action in attest mode', () => {
  it('with empty images fails as an input error, naming images, before any call', async () => {
    const google = await startFakeGoogle();
    const dir = tempDir(after, 'attest-action-');
    const output = join(dir, 'output');
    writeFileSync(output, '');
    writeFileSync(join(dir, 'web.yaml'), service('web', [`${APP}@${UNKNOWN}`]));
    const env = {
      PATH: process.env['PATH'],
      METADATA_SERVER_DETECTION: 'none',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_OUTPUT: output,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      INPUT_MODE: 'attest',
      INPUT_PROJECT_ID: 'p1',
      INPUT_ATTESTOR: ATTESTOR,
      INPUT_KMS_KEY_VERSION: KEY_VERSION,
      INPUT_IMAGES: '\n# nothing built\n',
      ...google.env(),
    };
    try {
      const run = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(process.execPath, [ACTION], { cwd: dir, env, timeout: 30_000 }, (error, stdout) =>
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout }),
        ),
      );
      assert.equal(run.code, 1, run.stdout);
      assert.match(
        run.stdout,
        /::error::Invalid images: empty\. Expected the images the build pushed, one per line as IMAGE@sha256:DIGEST \(required when mode is attest\)\./,
      );
      assert.ok(!/binauthz-gate failed/.test(run.stdout), 'an input error, not a bug');
      assert.ok(!readFileSync(output, 'utf8').includes('verdict'), 'no verdict=pass');
      assert.equal(google.requests.length, 0);
    } finally {
      await google.close();
    }
  });
});
