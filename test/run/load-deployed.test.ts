// loadDeployed against a stand-in CloudRunApis, and a check of deployed workloads through every
// formatter: a deployed workload is named by its resource and region, never linked as a file.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeployed } from '../../src/run/load-deployed.ts';
import { runCheck } from '../../src/run/check.ts';
import type { CloudRunApis, DeployedKind } from '../../src/gcp/cloud-run.ts';
import type { GoogleApis } from '../../src/gcp/google-apis.ts';
import { ApiError } from '../../src/gcp/api-failure.ts';
import { endpointsFromEnvironment } from '../../src/gcp/endpoints.ts';
import { formatMarkdown } from '../../src/report/format-markdown.ts';
import { formatGitlab, UNLOCATED_PATH } from '../../src/report/format-gitlab.ts';
import { formatText } from '../../src/report/format-text.ts';
import { annotate } from '../../src/action/annotations.ts';
import type { AnnotationProperties } from '../../src/action/run.ts';
import { deployedJob, deployedService } from '../helpers/fake-cloud-run.ts';
import { tempDir } from '../helpers/temp.ts';

const BAD = `us-docker.pkg.dev/p1/other/app@sha256:${'b'.repeat(64)}`;

function standIn(lists: Record<string, object[] | Error>, regions: string[] | Error = []): CloudRunApis & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async list(kind: DeployedKind, project: string, region: string) {
      asked.push(`${kind} ${project} ${region}`);
      const answer = lists[`${kind} ${region}`] ?? [];
      if (answer instanceof Error) throw answer;
      return answer as Record<string, unknown>[];
    },
    async listRegions() {
      asked.push('regions');
      if (regions instanceof Error) throw regions;
      return regions;
    },
  };
}

describe('loadDeployed', () => {
  it('lists each kind of each region once, in the order asked, whatever order the answers come in', async () => {
    const cloudRun = standIn({
      'services us-central1': [deployedService('p1', 'us-central1', 'a', [BAD], { useDefault: true })],
      'jobs europe-west1': [deployedJob('p1', 'europe-west1', 'j', [BAD])],
    });
    const set = await loadDeployed('p1', ['europe-west1', 'us-central1', 'europe-west1'], { cloudRun });
    assert.deepEqual(set.errors, []);
    assert.deepEqual(
      set.workloads.map((w) => [w.kind, w.name, w.deployed.region]),
      [
        ['Job', 'j', 'europe-west1'],
        ['Service', 'a', 'us-central1'],
      ],
    );
    assert.deepEqual(cloudRun.asked.sort(), ['jobs p1 europe-west1', 'jobs p1 us-central1', 'services p1 europe-west1', 'services p1 us-central1']);
  });

  it('a failed list is an error naming its region; the other lists are kept', async () => {
    const cloudRun = standIn({
      'services us-central1': new ApiError(
        'Cloud Run: failed to list services in projects/p1/locations/us-central1: HTTP 403, permission denied: the caller needs roles/run.viewer on the project',
        403,
        null,
      ),
      'services asia-east1': [deployedService('p1', 'asia-east1', 'b', [BAD], { useDefault: true })],
    });
    const set = await loadDeployed('p1', ['us-central1', 'asia-east1'], { cloudRun });
    assert.deepEqual(
      set.workloads.map((w) => w.name),
      ['b'],
    );
    assert.equal(set.errors.length, 1);
    assert.match(set.errors[0]?.message ?? '', /roles\/run\.viewer.*\(region us-central1: its services were not evaluated\)$/);
  });

  it('all: the regions Cloud Run lists; when that list fails, an error, and the named regions are still listed', async () => {
    const ok = standIn({}, ['us-east1', 'us-west1']);
    await loadDeployed('p1', ['all'], { cloudRun: ok });
    assert.deepEqual(ok.asked.filter((a) => a !== 'regions').sort(), ['jobs p1 us-east1', 'jobs p1 us-west1', 'services p1 us-east1', 'services p1 us-west1']);
    const failing = standIn({}, new Error('Cloud Run: failed to list the locations of projects/p1: HTTP 403'));
    const set = await loadDeployed('p1', ['all', 'us-east1'], { cloudRun: failing });
    assert.match(set.errors[0]?.message ?? '', /locations of projects\/p1: HTTP 403; the regions named with --region are still listed/);
    assert.deepEqual(failing.asked.filter((a) => a !== 'regions').sort(), ['jobs p1 us-east1', 'services p1 us-east1']);
  });

  it('an invalid region and offline mode are errors, never an empty pass', async () => {
    const cloudRun = standIn({});
    const set = await loadDeployed('p1', ['../x'], { cloudRun });
    assert.match(set.errors[0]?.message ?? '', /not a Cloud Run region id/);
    assert.deepEqual(cloudRun.asked, []);
    const offline = await loadDeployed('p1', ['us-east1'], {});
    assert.match(offline.errors[0]?.message ?? '', /needs live mode/);
  });
});

describe('CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN', () => {
  it('defaults to run.googleapis.com and drops a trailing version segment', () => {
    assert.equal(endpointsFromEnvironment({}).run, 'https://run.googleapis.com/');
    assert.equal(endpointsFromEnvironment({ CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'https://run.p.internal/v2/' }).run, 'https://run.p.internal/');
    assert.equal(endpointsFromEnvironment({ CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: 'http://127.0.0.1:9/' }).run, 'http://127.0.0.1:9/');
  });
});

describe('a deployed workload in the reports', () => {
  async function deployedReport(t: TestContext) {
    const dir = tempDir(t, 'deployed-report-');
    writeFileSync(join(dir, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n');
    const cloudRun = standIn({
      'services us-central1': [deployedService('p1', 'us-central1', 'web', [BAD], { useDefault: true })],
      'jobs us-central1': [
        deployedJob('p1', 'us-central1', 'fix', [BAD], { useDefault: true, breakglassJustification: 'INC-7' }),
        deployedJob('p1', 'us-central1', 'bad', [BAD], { useDefault: true, policy: 'nope' }),
      ],
    });
    return runCheck(
      {
        policy: { from: 'file', path: 'policy.yaml' },
        attestations: { from: 'none' },
        paths: [],
        files: { workingFolder: dir, paths: 'named' },
        allowEmpty: false,
        requireEnforcement: true,
        maxFileBytes: 1 << 20,
        deployed: { project: 'p1', regions: ['us-central1'] },
      },
      { apis: {} as GoogleApis, resolveTag: null, cloudRun },
    );
  }

  it('names region and revision, marks breakglass, and links no file', async (t) => {
    const report = await deployedReport(t);
    assert.deepEqual(
      report.workloads.map((w) => [w.name, w.verdict, w.summary.slice(0, 40)]),
      [
        ['web', 'fail', 'denied: the next revision deploy is bloc'],
        ['fix', 'warn', 'breakglass: deploys although the policy '],
        ['bad', 'error', 'could not be decided: see the errors bel'],
      ],
    );
    // The problem of a deployed workload names its resource, not a file and line.
    const problem = report.errors.find((e) => e.message.includes('jobs/bad'));
    assert.deepEqual([problem?.file, problem?.line], [null, null]);

    const text = formatText(report);
    assert.match(
      text,
      /Service web {2}FAIL {2}\(projects\/p1\/locations\/us-central1\/services\/web, deployed in us-central1, serving revision web-00007-xyz, enforced\)/,
    );
    assert.match(text, /Job fix .*latest execution fix-abcde, RUNNING UNDER BREAKGLASS/);

    const markdown = formatMarkdown(report, {
      links: { serverUrl: 'https://github.com', repository: 'o/r', sha: 'a'.repeat(40) },
      maxLength: 1 << 20,
      overflowNote: '',
      marker: null,
    });
    assert.ok(!markdown.includes('/blob/'), 'no blob URL for a deployed workload');
    assert.match(markdown, /Service web \(deployed in us-central1, serving revision web-00007-xyz\)/);
    assert.match(markdown, /RUNNING UNDER BREAKGLASS/);

    const gitlab = formatGitlab(report, { root: '/' });
    assert.ok(gitlab.length > 0);
    for (const issue of gitlab) assert.equal(issue.location.path, UNLOCATED_PATH);
    assert.ok(gitlab.some((issue) => issue.description.includes('Service projects/p1/locations/us-central1/services/web')));
    assert.equal(new Set(gitlab.map((i) => i.fingerprint)).size, gitlab.length);

    const annotations: AnnotationProperties[] = [];
    const record = (_: string, properties?: AnnotationProperties) => void annotations.push(properties ?? {});
    annotate({ error: record, warning: record }, report);
    const web = annotations.find((a) => a.title?.startsWith('Service web'));
    assert.equal(web?.title, 'Service web (deployed in us-central1)');
    for (const properties of annotations) assert.equal(properties.file, undefined);
  });
});
