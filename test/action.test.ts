// The action end to end, as the runner runs it: `node dist/index.js` as a subprocess with
// INPUT_* variables, a real pull_request payload at GITHUB_EVENT_PATH, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY and GITHUB_API_URL, against loopback GitHub and Google servers.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { startFakeRegistry } from './helpers/fake-registry.ts';
import { type ActionRun, P1_ALLOWED_ONLY, runActionOnPullRequest, runActionOnPush, serviceYaml } from './helpers/run-action.ts';
import { tempDir } from './helpers/temp.ts';

const GITHUB_TOKEN = 'ghs_loopbackTestToken0123456789';
const D1 = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const D2 = 'sha256:3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3';

describe('the action on a pull request', () => {
  let github: FakeGitHub;
  let google: FakeGoogle;
  let workspace: string;

  beforeEach(async () => {
    github = await startFakeGitHub({ token: GITHUB_TOKEN });
    google = await startFakeGoogle();
    google.state.policies.set('projects/p1', P1_ALLOWED_ONLY);
    workspace = mkdtempSync(join(tmpdir(), 'action-workspace-'));
    mkdirSync(join(workspace, 'deploy'));
    writeFileSync(join(workspace, 'deploy', 'ok.yaml'), serviceYaml('ok', `us-docker.pkg.dev/p1/allowed/ok@${D1}`));
    writeFileSync(join(workspace, 'deploy', 'denied.yaml'), serviceYaml('denied', `us-docker.pkg.dev/p1/apps/denied@${D2}`));
    writeFileSync(join(workspace, 'deploy', 'untouched.yaml'), serviceYaml('untouched', `us-docker.pkg.dev/p1/apps/untouched@${D2}`));
    writeFileSync(join(workspace, 'README.md'), '# not a manifest\n');
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/ok.yaml', status: 'modified' },
        { filename: 'deploy/denied.yaml', status: 'added' },
        { filename: 'deploy/gone.yaml', status: 'removed' },
        { filename: 'README.md', status: 'modified' },
      ],
    });
  });
  afterEach(async () => {
    rmSync(workspace, { recursive: true, force: true });
    await github.close();
    await google.close();
  });

  function runAction(inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runActionOnPullRequest({
      workspace,
      runner: tempDir(after, 'action-runner-'),
      githubUrl: github.url,
      githubToken: GITHUB_TOKEN,
      googleEnv: google.env(),
      env: { GITHUB_SERVER_URL: 'https://github.example' },
      inputs,
    });
  }

  const botComments = () => github.state.comments.filter((c) => c.body.startsWith('<!-- binauthz-gate -->'));

  it('checks only the changed manifests, comments once, annotates, and fails the step', async () => {
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.outputs['verdict'], 'fail');
    const report = JSON.parse(readFileSync(run.outputs['report'] as string, 'utf8')) as { workloads: { name: string; verdict: string }[] };
    assert.deepEqual(
      report.workloads.map((w) => [w.name, w.verdict]),
      [
        ['denied', 'fail'],
        ['ok', 'pass'],
      ],
    );
    assert.match(run.stdout, /::error title=Service denied,file=deploy\/denied\.yaml,line=1::.*; containers: app deny \(/);
    assert.match(run.stdout, /::error::binauthz-gate: the verdict is fail/);
    const [comment] = botComments();
    assert.equal(botComments().length, 1);
    assert.match(
      comment?.body ?? '',
      /\| ❌ fail \| \[Service denied\]\(https:\/\/github\.example\/Codertocat\/Hello-World\/blob\/ec26c3e57ca3a959ca5aad62de7213c562f8c821\/deploy\/denied\.yaml#L1\)/,
    );
    assert.match(comment?.body ?? '', /\| ✅ pass \| \[Service ok\]\(/);
    assert.ok(!(comment?.body ?? '').includes('untouched'), 'a manifest the pull request does not change is not reported');
    assert.match(run.summary, /denied/);
  });

  it('a second run updates the same comment and never adds another', async () => {
    github.state.comments.push({ id: 1, body: 'LGTM', user: { login: 'octocat', type: 'User' }, issue: 2 } as never);
    await runAction();
    const first = botComments()[0]?.id;
    writeFileSync(join(workspace, 'deploy', 'denied.yaml'), serviceYaml('denied', `us-docker.pkg.dev/p1/allowed/denied@${D2}`));
    const second = await runAction();
    assert.equal(second.code, 0, second.stdout);
    assert.equal(botComments().length, 1);
    assert.equal(botComments()[0]?.id, first);
    assert.match(botComments()[0]?.body ?? '', /\| ✅ pass \| \[Service denied\]\(/);
    assert.equal(github.state.comments.find((c) => c.id === 1)?.body, 'LGTM', 'other comments untouched');
  });

  it('says so in the comment when the pull request no longer changes a manifest', async () => {
    await runAction();
    github.state.pulls.set(2, { files: [{ filename: 'README.md', status: 'modified' }] });
    const run = await runAction();
    assert.equal(run.code, 0);
    assert.equal(botComments().length, 1);
    assert.match(botComments()[0]?.body ?? '', /no longer changes|changes no Cloud Run/i);
  });

  it('a 403 on commenting (a fork, a read-only token) is a warning, and the rest still works', async () => {
    github.failNext((r) => r.method === 'POST' && r.path.includes('/comments'), 403, 1, 'Resource not accessible by integration');
    const run = await runAction({ fail_on: 'never' });
    assert.equal(run.code, 0);
    assert.equal(run.outputs['verdict'], 'fail');
    assert.match(run.stdout, /::warning::Could not comment on the pull request/);
    assert.equal(botComments().length, 0);
  });

  it('never prints a token', async () => {
    const run = await runAction();
    // `::add-mask::SECRET` is how a step registers a secret with the runner, which then hides it from every log.
    assert.match(run.stdout, new RegExp(`^::add-mask::${GITHUB_TOKEN}$`, 'm'));
    const logged = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    const everything = [...logged, run.stderr, run.summary, JSON.stringify(run.outputs), ...github.state.comments.map((c) => c.body)].join('\n');
    assert.ok(!everything.includes(GITHUB_TOKEN));
    assert.ok(!everything.includes(google.env()['CLOUDSDK_AUTH_ACCESS_TOKEN'] as string));
  });

  it('names a bad input and what was expected', async () => {
    const run = await runAction({ fail_on: 'sometimes' });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /::error::Input fail_on must be one of never, error, fail, warn, not "sometimes"/);
  });

  it('registry_mirrors, concurrency, max_file_size and allow_empty reach the run', async () => {
    const registry = await startFakeRegistry();
    after(() => registry.close());
    registry.setTag('p1/apps/ok', 'v1', D1);
    // Under REQUIRE_ATTESTATION the verdict needs the tag's digest: it is asked of the registry.
    writeFileSync(
      join(workspace, 'policy.yaml'),
      'defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [projects/p1/attestors/a1]\n',
    );
    writeFileSync(join(workspace, 'deploy', 'ok.yaml'), serviceYaml('ok', 'us-docker.pkg.dev/p1/apps/ok:v1'));
    github.state.pulls.set(2, { files: [{ filename: 'deploy/ok.yaml', status: 'modified' }] });
    const mirrored = await runAction({ policy_file: 'policy.yaml', registry_mirrors: `us-docker.pkg.dev=${registry.url}\n`, concurrency: '2' });
    const report = JSON.parse(readFileSync(mirrored.outputs['report'] as string, 'utf8')) as { workloads: { containers: { digest: string | null }[] }[] };
    assert.equal(report.workloads[0]?.containers[0]?.digest, D1, 'the tag was resolved through the mirror');
    assert.ok(registry.requests.some((r) => r.path === '/v2/p1/apps/ok/manifests/v1'));

    const small = await runAction({ max_file_size: '16' });
    assert.equal(small.code, 1);
    assert.match(small.stdout, /over the 16 bytes limit for one file \(max file size\)/);

    writeFileSync(join(workspace, 'deploy', 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    assert.equal((await runAction()).code, 0, 'allow_empty defaults to true');
    const strict = await runAction({ allow_empty: 'false' });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /nothing to check/);
    const bad = await runAction({ concurrency: '0' });
    assert.match(bad.stdout, /::error::Input concurrency must be a whole number from 1 to 64, not "0"/);
  });

  it('messages the action shows name no CLI flag', async () => {
    // Offline (no project): the tag cannot be resolved and no attestation was given, the two
    // hints that used to read "run live (--project)" and "pass --attestors".
    writeFileSync(
      join(workspace, 'policy.yaml'),
      'defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [projects/p1/attestors/a1]\n',
    );
    writeFileSync(join(workspace, 'deploy', 'ok.yaml'), serviceYaml('ok', 'us-docker.pkg.dev/p1/apps/ok:v1'));
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/ok.yaml', status: 'modified' },
        { filename: 'deploy/denied.yaml', status: 'modified' },
      ],
    });
    const run = await runAction({ project_id: '', policy_file: 'policy.yaml', comment: 'false' });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.summary, /run live &#40;give a project&#41;/);
    assert.match(run.summary, /no attestation was given to check/);
    const shown = `${run.stdout}\n${run.summary}`;
    assert.doesNotMatch(shown, /--(project|policy-file|attestors|attestations|timeout|max-file-size|allow-empty|registry-mirror|no-resolve-tags)\b/);
  });

  it('replaces the built image before checking (post-build gate)', async () => {
    const run = await runAction({ images: `us-docker.pkg.dev/p1/apps/denied@${D1}` });
    const report = JSON.parse(readFileSync(run.outputs['report'] as string, 'utf8')) as { workloads: { name: string; containers: { image: string }[] }[] };
    assert.equal(report.workloads.find((w) => w.name === 'denied')?.containers[0]?.image, `us-docker.pkg.dev/p1/apps/denied@${D1}`);
  });

  it('a pull request that changes the policy file checks every manifest against the new policy', async () => {
    writeFileSync(join(workspace, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n');
    github.state.pulls.set(2, { files: [{ filename: 'policy.yaml', status: 'modified' }] });
    const run = await runAction({ policy_file: './policy.yaml', project_id: '' });
    assert.equal(run.code, 0, run.stdout);
    const report = JSON.parse(readFileSync(run.outputs['report'] as string, 'utf8')) as { workloads: { name: string; verdict: string }[] };
    assert.deepEqual(report.workloads.map((w) => [w.name, w.verdict]).sort(), [
      ['denied', 'pass'],
      ['ok', 'pass'],
      ['untouched', 'pass'],
    ]);
  });

  it('refuses a symlink into .git, an absolute path and `..` from the files list; nothing they hold comes out', async () => {
    mkdirSync(join(workspace, '.git'));
    writeFileSync(join(workspace, '.git', 'config'), '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic SECRETVALUE\n');
    symlinkSync('../.git/config', join(workspace, 'deploy', 'x.yaml'));
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/x.yaml', status: 'added' },
        { filename: '/etc/passwd.yaml', status: 'added' },
        { filename: 'deploy/../../outside.yaml', status: 'added' },
        { filename: 'deploy/ok.yaml', status: 'modified' },
      ],
    });
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.outputs['verdict'], 'error');
    const reportText = readFileSync(run.outputs['report'] as string, 'utf8');
    for (const text of [run.stdout, run.stderr, run.summary, reportText, ...github.state.comments.map((c) => c.body)]) assert.ok(!text.includes('SECRETVALUE'));
    const report = JSON.parse(reportText) as { workloads: { name: string }[]; errors: { file: string; message: string }[] };
    assert.deepEqual(
      report.workloads.map((w) => w.name),
      ['ok'],
      'the other manifest is still checked',
    );
    // minimatch's `**` never matches a `..` segment, so that path is not selected at all.
    assert.deepEqual(
      report.errors.map((e) => e.file),
      ['/etc/passwd.yaml', 'deploy/x.yaml'],
    );
    assert.match(report.errors[0]?.message ?? '', /absolute path/);
    assert.match(report.errors[1]?.message ?? '', /inside a \.git folder.*points to .*\.git\/config/);
  });

  it('on push, a manifest-named symlink to /dev/zero is an error, quickly', async () => {
    symlinkSync('/dev/zero', join(workspace, 'deploy', 'zero.yaml'));
    const started = performance.now();
    const { code, outputs } = await runActionOnPush({ workspace, runner: tempDir(after, 'action-push-'), googleEnv: google.env(), timeoutMs: 20_000 });
    assert.ok(performance.now() - started < 10_000);
    assert.equal(code, 1);
    assert.equal(outputs['verdict'], 'error');
    const report = JSON.parse(readFileSync(outputs['report'] as string, 'utf8')) as {
      workloads: { name: string }[];
      errors: { file: string; message: string }[];
    };
    assert.deepEqual(
      report.errors.map((e) => [e.file, e.message]),
      [['deploy/zero.yaml', `symlink: leaves the root ${realpathSync(workspace)} (it points to /dev/zero): not read`]],
    );
    assert.equal(report.workloads.length, 3);
  });

  it('on push, checks every matching file', async () => {
    const { code, outputs } = await runActionOnPush({
      workspace,
      runner: tempDir(after, 'action-push-'),
      googleEnv: google.env(),
      inputs: { comment: 'true' },
    });
    assert.equal(code, 1);
    const report = JSON.parse(readFileSync(outputs['report'] as string, 'utf8')) as { workloads: { name: string }[] };
    assert.deepEqual(report.workloads.map((w) => w.name).sort(), ['denied', 'ok', 'untouched']);
    assert.equal(github.requests.length, 0, 'no pull request, no GitHub calls');
  });
});
