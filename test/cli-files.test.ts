// Hostile files of a branch, through the built CLI: a symlink to git's credentials, devices,
// FIFOs, loops and empty folders all end quickly with a clear error naming the path (exit 2),
// and nothing of what such a file holds reaches any output.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, runCheckJson } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const SECRET = 'SECRETVALUE';
const allowAll = fileURLToPath(new URL('./fixtures/policies/always-allow.yaml', import.meta.url));
const oneService = fileURLToPath(new URL('./fixtures/manifests/web-service.yaml', import.meta.url));
const base = realpathSync(tempDir(after, 'cli-files-'));

/** A checkout as actions/checkout leaves it: the token persisted in .git/config. */
const repo = join(base, 'repo');
mkdirSync(join(repo, '.git'), { recursive: true });
mkdirSync(join(repo, 'deploy'));
writeFileSync(join(repo, '.git', 'config'), `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${SECRET}\n`);
copyFileSync(oneService, join(repo, 'deploy', 'svc.yaml'));
copyFileSync(allowAll, join(repo, 'policy.yaml'));
symlinkSync('../.git/config', join(repo, 'deploy', 'x.yaml'));

const hostile = join(base, 'hostile');
mkdirSync(hostile);
symlinkSync('/dev/zero', join(hostile, 'zero.yaml'));
const fifo = join(hostile, 'pipe.yaml');
execFileSync('mkfifo', [fifo]);

async function timed(args: readonly string[], cwd: string) {
  const started = performance.now();
  const run = await runCli(args, { cwd, timeoutMs: 20_000 });
  return { ...run, seconds: (performance.now() - started) / 1000 };
}

describe('a symlink to .git/config', () => {
  for (const format of ['json', 'text', 'markdown', 'sarif']) {
    it(`is refused naming the path and target, its text in no output (--format ${format})`, async () => {
      const run = await runCli(['check', '--format', format, '--policy-file', 'policy.yaml', '.'], { cwd: repo });
      assert.equal(run.code, 2);
      assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET), 'the planted secret never comes out');
      assert.ok(!`${run.stdout}${run.stderr}`.includes('extraheader'));
      assert.match(run.stdout, /deploy\/x\.yaml/);
      assert.match(run.stdout, /\.git\/config/);
    });
  }
  it('is refused when named explicitly, and the other file is still evaluated', async () => {
    const { code, report, stdout, stderr } = await runCheckJson(['--policy-file', 'policy.yaml', 'deploy/x.yaml', 'deploy/svc.yaml'], { cwd: repo });
    assert.equal(code, 2);
    assert.ok(!`${stdout}${stderr}`.includes(SECRET));
    assert.deepEqual(
      report.errors.map((e) => [e.file, e.message]),
      [['deploy/x.yaml', `is inside a .git folder, which holds git's own files and credentials (it points to ${join(repo, '.git', 'config')}): not read`]],
    );
    assert.equal(report.workloads.length, 1);
  });
  it('leaves the root when the folder given is deploy/', async () => {
    const { code, report } = await runCheckJson(['--policy-file', 'policy.yaml', 'deploy'], { cwd: repo });
    assert.equal(code, 2);
    assert.deepEqual(
      report.errors.map((e) => [e.file, e.message]),
      [['deploy/x.yaml', `symlink: leaves the root ${join(repo, 'deploy')} (it points to ${join(repo, '.git', 'config')}): not read`]],
    );
  });
});

describe('devices and FIFOs end within seconds with exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a folder holding /dev/zero and a FIFO',
      ['check', '--policy-file', allowAll, hostile],
      /zero\.yaml.*\/dev\/zero[\s\S]*pipe\.yaml.*FIFO|pipe\.yaml.*FIFO[\s\S]*zero\.yaml.*\/dev\/zero/,
    ],
    ['a FIFO named as a manifest', ['check', '--policy-file', allowAll, fifo, oneService], /pipe\.yaml.*FIFO \(named pipe\), not a regular file: not read/],
    [
      '/dev/urandom named as a manifest',
      ['check', '--policy-file', allowAll, '/dev/urandom', oneService],
      /\/dev\/urandom.*character device, not a regular file: not read/,
    ],
    [
      '/dev/zero named through a symlink out of its folder',
      ['check', '--policy-file', allowAll, join(hostile, 'zero.yaml'), oneService],
      /zero\.yaml.*leaves the root .*\/dev\/zero/,
    ],
  ];
  for (const flag of ['--policy-file', '--attestors', '--attestations']) {
    for (const file of ['/dev/zero', '/dev/urandom', fifo]) {
      const policy = flag === '--policy-file' ? [] : ['--policy-file', allowAll];
      cases.push([`${file} as ${flag}`, ['check', ...policy, flag, file, oneService], /not a regular file: not read/]);
    }
  }
  for (const [title, args, expected] of cases) {
    it(title, async () => {
      const run = await timed(args, repo);
      assert.ok(run.seconds < 5, `took ${run.seconds.toFixed(1)} s`);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stdout, expected);
    });
  }
});

describe('walking folders', () => {
  it('follows a symlinked folder inside the root', async () => {
    const root = join(base, 'linked');
    mkdirSync(join(root, 'k8s', 'prod'), { recursive: true });
    copyFileSync(oneService, join(root, 'k8s', 'prod', 'svc.yaml'));
    symlinkSync('k8s/prod', join(root, 'deploy'));
    const { code, report } = await runCheckJson(['--policy-file', allowAll, '.'], { cwd: root });
    assert.equal(code, 0);
    assert.deepEqual(
      report.workloads.map((w) => w.file),
      ['deploy/svc.yaml'],
    );
    assert.deepEqual(
      report.skipped.map((s) => [s.file, s.why]),
      [['k8s/prod/svc.yaml', 'the same file as deploy/svc.yaml (through a symlink): read once']],
    );
  });
  it('reports a symlink loop as skipped, and still checks what it found', async () => {
    const root = join(base, 'loop');
    mkdirSync(join(root, 'a'), { recursive: true });
    copyFileSync(oneService, join(root, 'a', 'svc.yaml'));
    symlinkSync('..', join(root, 'a', 'up'));
    const { code, report } = await runCheckJson(['--policy-file', allowAll, '.'], { cwd: root });
    assert.equal(code, 0);
    assert.equal(report.workloads.length, 1);
    assert.deepEqual(
      report.skipped.map((s) => [s.file, s.kind, s.why]),
      [['a/up', 'symlinked folder', 'symlink loop: leads back to ., which holds it: not walked again']],
    );
  });
});

describe('nothing to check', () => {
  const empty = join(base, 'empty');
  mkdirSync(empty);
  it('an empty folder is an error (exit 2) unless --allow-empty', async () => {
    const run = await runCli(['check', '--policy-file', allowAll, empty]);
    assert.equal(run.code, 2);
    assert.match(
      run.stdout,
      /nothing to check: no Cloud Run Service or Job was found in the paths given \(allow an empty run, allow-empty, if that is expected\)/,
    );
    const allowed = await runCli(['check', '--allow-empty', '--policy-file', allowAll, empty]);
    assert.equal(allowed.code, 0, allowed.stdout);
  });
  it('an unusable policy is reported as that, never as "no workload found"', async () => {
    const bad = join(base, 'bad-policy.yaml');
    writeFileSync(bad, 'defaultAdmissionRule: [\n');
    for (const format of ['text', 'markdown']) {
      const run = await runCli(['check', '--format', format, '--policy-file', bad, oneService]);
      assert.equal(run.code, 2);
      assert.doesNotMatch(run.stdout, /No Cloud Run Service or Job found/);
      assert.match(run.stdout, /The policy cannot be used: no workload was evaluated/);
      assert.match(run.stdout, /none of the Cloud Run workloads found was evaluated: 1 found/);
    }
  });
});

describe('credential files', () => {
  for (const file of ['/dev/zero', fifo]) {
    it(`GOOGLE_APPLICATION_CREDENTIALS=${file} ends quickly with a clear error, for the project and the credentials`, async () => {
      const started = performance.now();
      const project = await runCli(['check', oneService], { env: { GOOGLE_APPLICATION_CREDENTIALS: file }, timeoutMs: 20_000 });
      assert.equal(project.code, 2);
      assert.match(project.stderr, /check needs --policy-file, or a project/);
      const live = await runCheckJson(['--project', 'p1', '--no-resolve-tags', '--timeout', '5', oneService], {
        env: { GOOGLE_APPLICATION_CREDENTIALS: file },
        timeoutMs: 20_000,
      });
      assert.ok(performance.now() - started < 10_000);
      assert.equal(live.code, 2);
      assert.ok(
        live.report.errors.some((e) => e.message.includes(`the credentials file ${file}: `) && e.message.includes('not a regular file: not read')),
        JSON.stringify(live.report.errors),
      );
    });
  }
});
