// The command line itself: usage errors exit 2 with a message naming the problem, never a stack.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli, runCheckJson } from './helpers/run-cli.ts';

const policy = fileURLToPath(new URL('./fixtures/policies/always-allow.yaml', import.meta.url));
const service = fileURLToPath(new URL('./fixtures/manifests/web-service.yaml', import.meta.url));

describe('binauthz-gate command line', () => {
  it('prints help and the version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: binauthz-gate COMMAND/);
    assert.match(help.stdout, /^Commands:\n {2}check .*\n {2}attest .*\n {2}impact /m);
    assert.equal((await runCli(['help'])).stdout, help.stdout);
    const version = await runCli(['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('each command shows its own help, with one example', async () => {
    const texts = new Map<string, string>();
    for (const command of ['check', 'attest', 'impact']) {
      const run = await runCli([command, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: binauthz-gate ${command} `));
      assert.equal(run.stdout.split('\n').filter((line) => line.startsWith(`  binauthz-gate ${command} `)).length, 1, `${command}: one example`);
      assert.equal((await runCli(['help', command])).stdout, run.stdout);
      texts.set(command, run.stdout);
    }
    assert.match(texts.get('attest') ?? '', /--attestor-project/);
    assert.doesNotMatch(texts.get('attest') ?? '', /--fail-on/);
    assert.doesNotMatch(texts.get('check') ?? '', /--kms-key-version/);
    assert.equal(new Set(texts.values()).size, 3);
  });

  for (const [args, message] of [
    [[], 'missing command (check, attest or impact). See: binauthz-gate --help'],
    [['deploy'], 'unknown command "deploy". See: binauthz-gate --help'],
    [['check', '--policy-file', policy], 'check needs at least one PATH (a manifest file or a folder), or --deployed. See: binauthz-gate check --help'],
    [['check', service], /^check needs --policy-file, or a project .*\. See: binauthz-gate check --help$/],
    [
      ['check', '--policy-file', policy, '--fail-on', 'sometimes', service],
      '--fail-on must be one of never, error, fail, warn, not "sometimes". See: binauthz-gate check --help',
    ],
    [['check', '--policy-file', policy, '--bogus', service], "Unknown option '--bogus'. See: binauthz-gate check --help"],
    [
      ['check', '--policy-file', policy, '--max-file-size', 'huge', service],
      '--max-file-size must be a size such as 4MB or 512KB, not "huge". See: binauthz-gate check --help',
    ],
    [['check', '--project', 'p', '--concurrency', '0', service], '--concurrency must be a whole number from 1 to 64, not "0". See: binauthz-gate check --help'],
    [
      ['check', '--policy-file', policy, '--timeout', 'abc', service],
      '--timeout must be a duration from 1 to 3600 seconds (such as 60, 90s or 2m), not "abc". See: binauthz-gate check --help',
    ],
    [
      ['check', '--project', 'p', '--registry-mirror', 'gcr.io', service],
      '--registry-mirror must be HOST=URL (e.g. gcr.io=https://mirror.example), not "gcr.io". See: binauthz-gate check --help',
    ],
    [['attest', 'gcr.io/p/a@sha256:0'], 'attest needs --attestor projects/PROJECT/attestors/ATTESTOR. See: binauthz-gate attest --help'],
    [
      ['attest', '--attestor', 'projects/p/attestors/a', '--fail-on', 'warn', 'gcr.io/p/a@sha256:0'],
      "Unknown option '--fail-on'. See: binauthz-gate attest --help",
    ],
  ] as const) {
    it(`rejects ${args.join(' ') || '(nothing)'} in one line`, async () => {
      const run = await runCli([...args]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      const lines = run.stderr.split('\n');
      assert.deepEqual(lines.slice(1), [''], 'one line, never the help');
      const line = (lines[0] ?? '').replace(/^binauthz-gate: /, '');
      if (typeof message === 'string') assert.equal(line, message);
      else assert.match(line, message);
    });
  }

  it('a path that does not exist is an error naming it; the rest is still evaluated', async () => {
    const { code, report } = await runCheckJson(['--policy-file', policy, '/nonexistent/deploy', service]);
    assert.equal(code, 2);
    assert.deepEqual(
      report.errors.map((e) => [e.file, e.message]),
      [['/nonexistent/deploy', 'cannot read: no such file or folder']],
    );
    assert.equal(report.workloads.length, 1);
  });

  it('--fail-on picks the level that fails the run', async () => {
    const notEnforced = fileURLToPath(new URL('./fixtures/corpus/cloud-run-services/gha-deploy-cloudrun-service.full.yaml', import.meta.url));
    assert.equal((await runCli(['check', '--policy-file', policy, notEnforced])).code, 1);
    assert.equal((await runCli(['check', '--policy-file', policy, '--fail-on', 'error', notEnforced])).code, 0);
    assert.equal((await runCli(['check', '--policy-file', policy, '--fail-on', 'never', notEnforced])).code, 0);
    assert.equal((await runCli(['check', '--policy-file', policy, '--no-require-enforcement', notEnforced])).code, 0);
  });
});
