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
    assert.match(help.stdout, /Usage: binauthz-gate check/);
    const version = await runCli(['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  for (const [args, message] of [
    [[], /missing command/],
    [['deploy'], /unknown command "deploy"/],
    [['check', '--policy-file', policy], /at least one PATH/],
    [['check', service], /needs --policy-file, or a project/],
    [['check', '--policy-file', policy, '--fail-on', 'sometimes', service], /--fail-on must be one of never, error, fail, warn/],
    [['check', '--policy-file', policy, '--bogus', service], /Unknown option '--bogus'/],
    [['check', '--policy-file', policy, '--max-file-size', 'huge', service], /--max-file-size must be a size/],
    [['check', '--project', 'p', '--concurrency', '0', service], /--concurrency must be a whole number from 1 to 64/],
    [['check', '--project', 'p', '--registry-mirror', 'gcr.io', service], /--registry-mirror must be HOST=URL/],
    [['attest', 'gcr.io/p/a@sha256:0'], /attest needs --attestor/],
  ] as const) {
    it(`rejects ${args.join(' ') || '(nothing)'}`, async () => {
      const run = await runCli([...args]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('a path that does not exist is an error naming it; the rest is still evaluated', async () => {
    const { code, report } = await runCheckJson(['--policy-file', policy, '/nonexistent/deploy', service]);
    assert.equal(code, 2);
    assert.deepEqual(report.errors.map((e) => [e.file, e.message]), [['/nonexistent/deploy', 'cannot read: no such file or folder']]);
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
