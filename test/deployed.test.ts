// What is deployed now, end to end: the built CLI (`check --deployed --region ...`) against
// loopback stand-ins of the Cloud Run Admin API and of Binary Authorization (the live policy),
// through gcloud's endpoint override variables, on 127.0.0.1 only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeCloudRun, deployedJob, deployedService, type FakeCloudRun, type FakeCloudRunOptions } from './helpers/fake-cloud-run.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { startFakeRegistry } from './helpers/fake-registry.ts';
import { runCli, runCheckJson, type CheckReport } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const GOOD = `us-docker.pkg.dev/p1/good/app@sha256:${'a'.repeat(64)}`;
const BAD = `us-docker.pkg.dev/p1/other/app@sha256:${'b'.repeat(64)}`;
const USE_DEFAULT = { useDefault: true };

/** Allow only p1's good repository; deny everything else. */
const POLICY = {
  name: 'projects/p1/policy',
  globalPolicyEvaluationMode: 'DISABLE',
  admissionWhitelistPatterns: [{ namePattern: 'us-docker.pkg.dev/p1/good/*' }],
  defaultAdmissionRule: { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
};

type Report = Omit<CheckReport, 'workloads'> & {
  workloads: (CheckReport['workloads'][number] & {
    summary: string;
    deployed?: { project: string; region: string; resource: string; current: string | null; breakglass: boolean };
  })[];
};

let google: FakeGoogle;
before(async () => {
  google = await startFakeGoogle();
  google.state.policies.set('projects/p1', POLICY);
});
after(() => google.close());

async function cloudRun(options: FakeCloudRunOptions = {}): Promise<FakeCloudRun> {
  const fake = await startFakeCloudRun(options);
  after(() => fake.close());
  return fake;
}

function env(fake: FakeCloudRun): Record<string, string> {
  return { ...google.env(), CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: fake.url };
}

/** Three regions: services over several pages in us-central1, a job under breakglass in europe-west1. */
function populate(fake: FakeCloudRun): void {
  fake.state.services.set('projects/p1/locations/us-central1', [
    deployedService('p1', 'us-central1', 'api', [GOOD], USE_DEFAULT),
    deployedService('p1', 'us-central1', 'web', [GOOD, BAD], USE_DEFAULT),
    deployedService('p1', 'us-central1', 'admin', [GOOD], USE_DEFAULT),
  ]);
  fake.state.jobs.set('projects/p1/locations/europe-west1', [
    deployedJob('p1', 'europe-west1', 'nightly', [BAD], USE_DEFAULT),
    deployedJob('p1', 'europe-west1', 'hotfix', [BAD], { useDefault: true, breakglassJustification: 'INC-42' }),
  ]);
  fake.state.services.set('projects/p1/locations/asia-east1', [deployedService('p1', 'asia-east1', 'edge', [GOOD], USE_DEFAULT)]);
  fake.state.regions.set('projects/p1', ['asia-east1', 'europe-west1', 'us-central1']);
}

const byName = (report: Report, name: string) => report.workloads.find((w) => w.name === name);

describe('check --deployed', () => {
  it('lists services and jobs of every region asked, every page, once each, and says what Cloud Run will do', async () => {
    const fake = await cloudRun({ pageSize: 2 });
    populate(fake);
    const run = await runCheckJson(['--project', 'p1', '--deployed', '--region', 'us-central1', '--region', 'europe-west1'], { env: env(fake) });
    const report = run.report as Report;
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.workloads.map((w) => [w.kind, w.name, w.verdict]),
      [
        ['Service', 'api', 'pass'],
        ['Service', 'web', 'fail'],
        ['Service', 'admin', 'pass'],
        ['Job', 'nightly', 'fail'],
        ['Job', 'hotfix', 'warn'],
      ],
    );
    const web = byName(report, 'web');
    assert.equal(web?.summary, 'denied: the next revision deploy is blocked');
    assert.deepEqual(web?.deployed, {
      project: 'p1',
      region: 'us-central1',
      resource: 'projects/p1/locations/us-central1/services/web',
      current: 'web-00007-xyz',
      breakglass: false,
    });
    assert.equal(web?.file, 'projects/p1/locations/us-central1/services/web');
    assert.equal(byName(report, 'api')?.summary, 'the next revision deploy is allowed');
    assert.equal(byName(report, 'nightly')?.summary, 'denied: every execution fails');
    assert.equal(byName(report, 'nightly')?.deployed?.current, 'nightly-abcde');
    const hotfix = byName(report, 'hotfix');
    assert.equal(hotfix?.deployed?.breakglass, true);
    assert.equal(hotfix?.enforcement, 'breakglass');
    // One list per region, kind and page: us-central1 services over 2 pages, the rest 1 each.
    const lists = fake.requests.map((r) => `${r.path} ${r.query['pageToken'] ?? ''}`).sort();
    assert.equal(lists.length, 5, lists.join('\n'));
    assert.equal(new Set(lists).size, 5, 'no question asked twice');
    assert.ok(!fake.requests.some((r) => r.path.includes('asia-east1')), 'a region not asked is not listed');
  });

  it('marks breakglass and names region and revision in the text report, without a file line', async () => {
    const fake = await cloudRun();
    populate(fake);
    const run = await runCli(['check', '--project', 'p1', '--deployed', '--region', 'europe-west1', '--region', 'us-central1'], { env: env(fake) });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      /Job hotfix {2}WARN {2}\(projects\/p1\/locations\/europe-west1\/jobs\/hotfix, deployed in europe-west1, latest execution hotfix-abcde, RUNNING UNDER BREAKGLASS, breakglass\)/,
    );
    assert.match(
      run.stdout,
      /Service web {2}FAIL {2}\(projects\/p1\/locations\/us-central1\/services\/web, deployed in us-central1, serving revision web-00007-xyz, enforced\)/,
    );
    assert.doesNotMatch(run.stdout, /services\/web:1/);
  });

  it('a 403 on one region is an error naming the role and the region; the other regions are still evaluated (exit 2)', async () => {
    const fake = await cloudRun({ forbidden: ['projects/p1/locations/europe-west1'] });
    populate(fake);
    const run = await runCheckJson(['--project', 'p1', '--deployed', '--region', 'us-central1', '--region', 'europe-west1'], { env: env(fake) });
    const report = run.report as Report;
    assert.equal(run.code, 2);
    assert.deepEqual(
      report.workloads.map((w) => w.name),
      ['api', 'web', 'admin'],
    );
    assert.equal(report.errors.length, 2, JSON.stringify(report.errors));
    for (const kind of ['services', 'jobs']) {
      const error = report.errors.find((e) => e.message.includes(`list ${kind} in projects/p1/locations/europe-west1`));
      assert.ok(error, `an error for ${kind}`);
      assert.match(error.message, /^Cloud Run: .*HTTP 403.*roles\/run\.viewer/);
      assert.match(error.message, /region europe-west1/);
      assert.equal(error.file, null);
    }
  });

  it('--region all lists the regions from the locations list, and combines with PATH arguments', async () => {
    const fake = await cloudRun();
    populate(fake);
    const dir = tempDir(after, 'deployed-paths-');
    writeFileSync(
      join(dir, 'svc.yaml'),
      `name: projects/p1/locations/us-east1/services/from-file\nbinaryAuthorization: {useDefault: true}\ntemplate:\n  containers:\n  - image: ${GOOD}\n`,
    );
    const run = await runCheckJson(['--project', 'p1', '--deployed', '--region', 'all', 'svc.yaml'], { env: env(fake), cwd: dir });
    const report = run.report as Report;
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.workloads.map((w) => w.name),
      ['from-file', 'edge', 'nightly', 'hotfix', 'api', 'web', 'admin'],
    );
    assert.equal(report.workloads[0]?.deployed, undefined);
    assert.equal(report.workloads[0]?.file, 'svc.yaml');
    assert.equal(fake.requests.filter((r) => r.path === '/v1/projects/p1/locations').length, 1);
  });

  for (const hostile of ['looping-page-token', 'foreign-service'] as const) {
    it(`${hostile}: an answer that is not the one asked for is an error, and nothing of it is evaluated (exit 2)`, async () => {
      const fake = await cloudRun({ hostile, pageSize: 1 });
      populate(fake);
      const run = await runCheckJson(['--project', 'p1', '--deployed', '--region', 'us-central1'], { env: env(fake) });
      const report = run.report as Report;
      assert.equal(run.code, 2);
      assert.deepEqual(
        report.workloads.filter((w) => w.kind === 'Service'),
        [],
      );
      assert.match(
        report.errors.map((e) => e.message).join('\n'),
        hostile === 'looping-page-token' ? /repeats a page token it gave before/ : /not one of the services of projects\/p1\/locations\/us-central1/,
      );
      assert.ok(!run.stdout.includes('evil'), 'the foreign project is not quoted');
      assert.ok(fake.requests.length <= 4, `bounded: ${fake.requests.length} requests`);
    });
  }

  it('needs --region, a valid region id and a project; --region needs --deployed', async () => {
    const fake = await cloudRun();
    const cases: [string[], RegExp][] = [
      [['--project', 'p1', '--deployed'], /--deployed needs --region/],
      [['--project', 'p1', '--deployed', '--region', 'US CENTRAL'], /--region must be a Cloud Run region id/],
      [['--policy-file', 'x.yaml', '--deployed', '--region', 'us-central1'], /--deployed needs a project/],
      [['--project', 'p1', '--region', 'us-central1', 'x.yaml'], /--region needs --deployed/],
      [['--project', 'p1'], /at least one PATH .*or --deployed/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['check', ...args], { env: env(fake) });
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
    assert.equal(fake.requests.length, 0);
  });

  it('resolves a tag in a deployed template through the registry, as live mode does for a manifest', async () => {
    const fake = await cloudRun();
    const registry = await startFakeRegistry();
    after(() => registry.close());
    const digest = `sha256:${'d'.repeat(64)}`;
    registry.setTag('p2/apps/app', 'v1', digest);
    // A project that requires an attestation: the engine needs the digest, so the tag is resolved.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    google.state.policies.set('projects/p2', {
      name: 'projects/p2/policy',
      defaultAdmissionRule: {
        evaluationMode: 'REQUIRE_ATTESTATION',
        enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG',
        requireAttestationsBy: ['projects/p2/attestors/built'],
      },
    });
    google.state.attestors.set('projects/p2/attestors/built', {
      name: 'projects/p2/attestors/built',
      userOwnedGrafeasNote: {
        noteReference: 'projects/p2/notes/built',
        publicKeys: [
          { id: 'key-1', pkixPublicKey: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }), signatureAlgorithm: 'ECDSA_P256_SHA256' } },
        ],
      },
    });
    fake.state.services.set('projects/p2/locations/us-central1', [
      deployedService('p2', 'us-central1', 'tagged', ['us-docker.pkg.dev/p2/apps/app:v1'], USE_DEFAULT),
    ]);
    const run = await runCheckJson(['--project', 'p2', '--deployed', '--region', 'us-central1', '--registry-mirror', `us-docker.pkg.dev=${registry.url}`], {
      env: env(fake),
    });
    const container = run.report.workloads[0]?.containers[0];
    assert.equal(run.code, 1, run.stdout);
    assert.equal(container?.digest, digest, JSON.stringify(container));
    assert.match(container?.detail ?? '', /Tag v1 resolved to sha256:d/);
    assert.ok(registry.requests.some((r) => r.path === '/v2/p2/apps/app/manifests/v1'));
  });

  it('SARIF gives a deployed workload a logical location, never an artifact', async () => {
    const fake = await cloudRun();
    populate(fake);
    const run = await runCli(['check', '--format', 'sarif', '--project', 'p1', '--deployed', '--region', 'us-central1'], { env: env(fake) });
    assert.equal(run.code, 1, run.stderr);
    const sarif = JSON.parse(run.stdout) as {
      runs: { results: { locations: { physicalLocation?: unknown; logicalLocations?: { fullyQualifiedName: string }[] }[] }[] }[];
    };
    const results = sarif.runs[0]?.results ?? [];
    assert.ok(results.length > 0);
    for (const result of results) {
      assert.equal(result.locations[0]?.physicalLocation, undefined);
      assert.equal(result.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName, 'projects/p1/locations/us-central1/services/web');
    }
  });
});
