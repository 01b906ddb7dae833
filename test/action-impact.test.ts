// The action and a policy change: a pull request that changes `policy_file` (here a Terraform plan
// an earlier step wrote) gets the change's impact in its sticky comment, run as the runner runs it
// (`node dist/index.js` against loopback GitHub and Google). The scheduled check of what is
// deployed runs in process, with a stub where the Cloud Run Admin API's listing will be.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { runActionOnPullRequest } from './helpers/run-action.ts';
import { tempDir } from './helpers/temp.ts';
import {
  BASE_POLICY,
  BUILT_BY_CI,
  PROJECT,
  SECURITY_REVIEW,
  SERVICES,
  allOccurrences,
  attestorJson,
  service,
  writeWorkspace,
} from './helpers/impact-fixtures.ts';
import { runAction, type ActionIO } from '../src/action/run.ts';
import { readWorkloads } from '../src/manifests/read-workloads.ts';
import type { DeployedLoader } from '../src/run/impact.ts';
import { redactorFor } from '../src/report/redact.ts';

const GITHUB_TOKEN = 'ghs_loopbackTestToken0123456789';
const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

function serveBase(google: FakeGoogle): void {
  google.state.policies.set(`projects/${PROJECT}`, parse(BASE_POLICY) as object);
  for (const name of [BUILT_BY_CI, SECURITY_REVIEW]) google.state.attestors.set(name, attestorJson(name));
  google.state.occurrences.push(...allOccurrences());
}

describe('the action on a pull request that changes the policy', () => {
  let github: FakeGitHub;
  let google: FakeGoogle;
  let workspace: string;

  beforeEach(async () => {
    github = await startFakeGitHub({ token: GITHUB_TOKEN });
    google = await startFakeGoogle();
    serveBase(google);
    // Made and removed by the hooks (a `tempDir` bound in a hook would be gone before the test).
    workspace = mkdtempSync(join(tmpdir(), 'action-impact-'));
    writeWorkspace(workspace);
    github.state.pulls.set(2, { files: [{ filename: 'swapped.plan.json', status: 'modified' }] });
  });
  afterEach(async () => {
    rmSync(workspace, { recursive: true, force: true });
    await github.close();
    await google.close();
  });

  function run(inputs: Record<string, string>) {
    return runActionOnPullRequest({
      workspace,
      runner: tempDir(after, 'action-impact-runner-'),
      githubUrl: github.url,
      githubToken: GITHUB_TOKEN,
      googleEnv: google.env(),
      projectId: PROJECT,
      env: { INPUT_MANIFESTS: 'deploy/**' },
      inputs,
    });
  }

  const botComments = () => github.state.comments.filter((c) => c.body.startsWith('<!-- binauthz-gate -->'));

  it('comments the impact over every manifest against the live policy, and fails the step on a newly blocked service', async () => {
    const result = await run({ policy_file: 'swapped.plan.json' });
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.outputs['verdict'], 'fail');
    assert.match(result.stdout, /::error::binauthz-gate: the policy change's impact is fail: 1 workload\(s\) newly blocked/);
    const report = JSON.parse(readFileSync(result.outputs['report'] as string, 'utf8')) as {
      before: { source: string };
      policyChanges: { effect: string }[];
      workloads: { name: string; change: string }[];
    };
    assert.equal(report.before.source, `projects/${PROJECT}/policy`, 'the base is the live policy');
    assert.deepEqual(
      report.policyChanges.map((c) => c.effect),
      ['weakens', 'tightens'],
    );
    assert.equal(report.workloads.length, SERVICES.length, 'every manifest, although the pull request changes none');
    const [comment] = botComments();
    assert.equal(botComments().length, 1);
    const body = comment?.body ?? '';
    assert.match(body, /^### ❌ binauthz-gate: this policy change blocks workloads$/m);
    assert.match(body, /\| 🔓 weakens \| defaultAdmissionRule\.requireAttestationsBy \| removed projects\/my-prod\/attestors\/built-by-ci \|/);
    assert.match(body, /\| ❌ newly-blocked \| Service ci-only \| pass \| fail \| deploy\/ci-only\.yaml:1 \|/);
    assert.match(body, /\| 🔓 newly-admitted \| Service review-only \| fail \| pass \|/);
    assert.ok(!body.includes('Service both'), 'unchanged workloads are counted, not listed');
    assert.match(result.summary, /newly-blocked/);

    // The next push to the branch fixes it: the same comment is updated, never a second one.
    github.state.pulls.set(2, { files: [{ filename: 'deleted.plan.json', status: 'added' }] });
    const second = await run({ policy_file: 'deleted.plan.json' });
    assert.equal(second.code, 0, second.stdout);
    assert.equal(botComments().length, 1);
    assert.equal(botComments()[0]?.id, comment?.id);
    assert.match(botComments()[0]?.body ?? '', /^### ✅ binauthz-gate: this policy change blocks nothing$/m);
    assert.match(botComments()[0]?.body ?? '', /\| 🔓 weakens \| &#40;policy&#41; \|/);
  });

  it('a plan is always the proposed policy, and the manifests the pull request changes are still checked under it', async () => {
    // none is denied under both policies: "unchanged" for the impact, but this pull request adds it.
    github.state.pulls.set(2, { files: [{ filename: 'deploy/none.yaml', status: 'added' }] });
    const result = await run({ policy_file: 'swapped.plan.json' });
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.outputs['verdict'], 'fail');
    const body = botComments()[0]?.body ?? '';
    assert.match(body, /^### ❌ binauthz-gate: this policy change blocks workloads$/m);
    assert.match(body, /^#### The manifests this pull request changes, under the new policy$/m);
    assert.match(body, /\| ❌ fail \| \[Service none\]\(/);
    assert.match(result.stdout, /::error title=Service none,file=deploy\/none\.yaml,line=1::/);
    const asked = google.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`);
    assert.equal(new Set(asked).size, asked.length, `the impact and the check of the changed manifests ask nothing twice:\n${asked.join('\n')}`);
    assert.equal(
      asked.filter((q) => q.includes(`/notes/security-review/occurrences`)).length,
      SERVICES.length - 1,
      'each digest once (the exempt one needs none)',
    );
  });

  it('an impact that blocks nothing still fails on a denied manifest the pull request adds', async () => {
    writeFileSync(join(workspace, 'policy.yaml'), BASE_POLICY);
    github.state.pulls.set(2, {
      files: [
        { filename: 'policy.yaml', status: 'modified' },
        { filename: 'deploy/none.yaml', status: 'added' },
      ],
    });
    const result = await run({ policy_file: 'policy.yaml' });
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.outputs['verdict'], 'fail');
    const report = JSON.parse(readFileSync(result.outputs['report'] as string, 'utf8')) as { verdict: string; policyChanges: unknown[] };
    assert.equal(report.verdict, 'pass', 'the policy change itself blocks nothing');
    assert.deepEqual(report.policyChanges, []);
    const body = botComments()[0]?.body ?? '';
    assert.match(body, /^### ✅ binauthz-gate: this policy change blocks nothing$/m);
    assert.match(body, /\| ❌ fail \| \[Service none\]\(/);
    assert.match(result.stdout, /::error::binauthz-gate: the policy change's impact is pass: 0 workload\(s\) newly blocked; the manifests it changes: fail/);
  });

  it('a policy file the pull request does not change is the usual check of its changed manifests', async () => {
    github.state.pulls.set(2, { files: [{ filename: 'deploy/ci-only.yaml', status: 'modified' }] });
    const result = await run({ policy_file: 'base.yaml' });
    const report = JSON.parse(readFileSync(result.outputs['report'] as string, 'utf8')) as {
      workloads: { name: string; verdict: string }[];
      policyChanges?: unknown;
    };
    assert.equal(report.policyChanges, undefined);
    assert.deepEqual(
      report.workloads.map((w) => [w.name, w.verdict]),
      [['ci-only', 'pass']],
    );
    assert.equal(result.code, 0, result.stdout);
  });
});

describe('the scheduled check of what is deployed', () => {
  let google: FakeGoogle;
  beforeEach(async () => {
    google = await startFakeGoogle();
    serveBase(google);
  });
  afterEach(() => google.close());

  function io(inputs: Record<string, string>) {
    const record = { outputs: {} as Record<string, string>, summary: '', failed: [] as string[], errors: [] as string[] };
    const actionIO: ActionIO = {
      getInput: (name) => inputs[name] ?? '',
      setOutput: (name, value) => void (record.outputs[name] = value),
      setSecret: () => {},
      info: () => {},
      warning: () => {},
      error: (message) => void record.errors.push(message),
      writeSummary: async (markdown) => void (record.summary += markdown),
      setFailed: (message) => void record.failed.push(message),
      github: () => assert.fail('a scheduled check calls no GitHub API'),
    };
    return { actionIO, record };
  }

  it('lists what would not be admitted again under the live policy, and fails the step', async (t) => {
    const dir = tempDir(t, 'action-schedule-');
    const asked: string[] = [];
    const loader: DeployedLoader = async (project, regions) => {
      asked.push(`${project}: ${regions.join(',')}`);
      const workloads = SERVICES.flatMap(
        (s) => readWorkloads(`projects/${PROJECT}/locations/us-central1/services/${s.name}`, service(s.name, s.image)).workloads,
      );
      return { workloads: [...workloads], skipped: [], errors: [] };
    };
    const env = { GITHUB_EVENT_NAME: 'schedule', GITHUB_SHA: SHA, GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir, ...google.env() };
    const { actionIO, record } = io({ project_id: PROJECT, deployed_regions: 'us-central1\neurope-west1\n', github_token: 'x' });
    await runAction(actionIO, env, dir, redactorFor(env), loader);
    assert.deepEqual(asked, [`${PROJECT}: us-central1,europe-west1`]);
    assert.equal(record.outputs['verdict'], 'fail');
    assert.match(record.summary, /^### ❌ binauthz-gate: what is deployed that would not be admitted again$/m);
    assert.match(record.summary, /^2 of 5 deployed workload\(s\):$/m);
    assert.match(record.summary, /^- ❌ Service review-only \(/m);
    assert.match(record.summary, /^- ❌ Service none \(/m);
    assert.ok(!/^- .*Service ci-only/m.test(record.summary), 'what is admitted is not listed');
    assert.deepEqual(
      record.errors.map((e) => e.split(':')[0]),
      ['Service review-only would not be admitted again', 'Service none would not be admitted again'],
    );
    assert.equal(record.failed.length, 1);
    assert.match(record.failed[0] ?? '', /what is deployed in my-prod is fail under the live policy \(fail_on: fail\)/);

    const never = io({ project_id: PROJECT, deployed_regions: 'all', fail_on: 'never', github_token: 'x' });
    await runAction(never.actionIO, env, dir, redactorFor(env), loader);
    assert.deepEqual(never.record.failed, [], 'fail_on: never');
    assert.equal(asked.at(-1), `${PROJECT}: all`);
  });

  it('a region that cannot be listed fails closed', async (t) => {
    const dir = tempDir(t, 'action-schedule-');
    const loader: DeployedLoader = async () => ({
      workloads: [],
      skipped: [],
      errors: [{ file: null, line: null, message: 'us-east9: Cloud Run Admin API answered 403' }],
    });
    const env = { GITHUB_EVENT_NAME: 'schedule', GITHUB_SHA: SHA, GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir, ...google.env() };
    const { actionIO, record } = io({ project_id: PROJECT, deployed_regions: 'us-east9', github_token: 'x' });
    await runAction(actionIO, env, dir, redactorFor(env), loader);
    assert.equal(record.outputs['verdict'], 'error');
    assert.equal(record.failed.length, 1);
  });
});
