// The settings both front ends take: one validator each, the same default, and the same problem
// whether the value came as a CLI flag or an action input (each front end names it its own way).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  attestorName,
  bool,
  composeAttestor,
  composeKeyVersion,
  concurrency,
  DEFAULTS,
  failOn,
  kmsKeyVersionName,
  maxFileBytes,
  registryMirrors,
  timeoutSeconds,
  valueOrThrow,
  type Checked,
} from '../../src/run/validate.ts';
import { readInputs } from '../../src/action/inputs.ts';
import { parseCommandLine } from '../../src/cli/command-line.ts';
import { messageOf } from '../../src/errors.ts';

const KEY = 'projects/p1/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';

function problem<T>(checked: Checked<T>): string {
  assert.equal(checked.ok, false, 'refused');
  return checked.ok ? '' : checked.problem;
}

function value<T>(checked: Checked<T>): T {
  if (!checked.ok) assert.fail(`refused: ${checked.problem}`);
  return checked.value;
}

describe('shared validators', () => {
  it('concurrency is a whole number from 1 to 64, default 8', () => {
    assert.equal(value(concurrency(undefined)), 8);
    assert.equal(value(concurrency('')), 8);
    assert.equal(value(concurrency('1')), 1);
    assert.equal(value(concurrency(' 64 ')), 64);
    for (const bad of ['0', '65', '1.5', '-1', 'eight', '1e1', '0x10'])
      assert.equal(problem(concurrency(bad)), `must be a whole number from 1 to 64, not "${bad}"`);
  });

  it('timeout is seconds (or 90s, 2m, 1h), from 1 s to 1 h, default 60', () => {
    assert.equal(value(timeoutSeconds(undefined)), DEFAULTS.timeoutSeconds);
    assert.equal(value(timeoutSeconds('5')), 5);
    assert.equal(value(timeoutSeconds('30s')), 30);
    assert.equal(value(timeoutSeconds('2m')), 120);
    assert.equal(value(timeoutSeconds('1h')), 3600);
    for (const bad of ['0', '3601', '61m', 'abc', '1.5', '-3', '2d', '2 minutes']) {
      assert.equal(problem(timeoutSeconds(bad)), `must be a duration from 1 to 3600 seconds (such as 60, 90s or 2m), not "${bad}"`);
    }
  });

  it('max file size takes bytes, KB and MB, default 4MB', () => {
    assert.equal(value(maxFileBytes(undefined)), 4 * 1024 * 1024);
    assert.equal(value(maxFileBytes('512KB')), 512 * 1024);
    assert.equal(value(maxFileBytes('4mb')), 4 * 1024 * 1024);
    assert.equal(value(maxFileBytes('100')), 100);
    for (const bad of ['huge', '0', '4GB', '-1KB']) assert.equal(problem(maxFileBytes(bad)), `must be a size such as 4MB or 512KB, not "${bad}"`);
  });

  it('registry mirrors are HOST=URL, each host once', () => {
    assert.deepEqual(
      [...value(registryMirrors(['gcr.io=https://m.example', 'localhost:5000 = http://127.0.0.1:9/']))],
      [
        ['gcr.io', 'https://m.example'],
        ['localhost:5000', 'http://127.0.0.1:9/'],
      ],
    );
    for (const bad of ['gcr.io', '=https://m.example', 'gcr.io=ftp://m', 'gcr.io=', 'a b=https://m']) {
      assert.equal(problem(registryMirrors([bad])), `must be HOST=URL (e.g. gcr.io=https://mirror.example), not ${JSON.stringify(bad)}`);
    }
    assert.equal(problem(registryMirrors(['gcr.io=https://a', 'gcr.io=https://b'])), 'names "gcr.io" twice');
  });

  it("attestor and KMS key version names have one shape (the policy reader's)", () => {
    assert.equal(value(attestorName('projects/p1/attestors/built-by-ci')), 'projects/p1/attestors/built-by-ci');
    assert.equal(value(attestorName('projects/example.com:p1/attestors/a')), 'projects/example.com:p1/attestors/a');
    for (const bad of ['', 'built-by-ci', 'projects/p1/attestors/', 'projects/P1/attestors/a', 'projects/p1/attestors/a/b', 'projects/p 1/attestors/a']) {
      assert.match(problem(attestorName(bad)), /^must be an attestor name, projects\/PROJECT\/attestors\/ATTESTOR, not "/);
    }
    assert.equal(value(kmsKeyVersionName(KEY)), KEY);
    for (const bad of ['', 'k', 'projects/p1/locations/global/keyRings/r/cryptoKeys/k', `${KEY}/x`]) {
      assert.match(
        problem(kmsKeyVersionName(bad)),
        /^must be a Cloud KMS key version, projects\/P\/locations\/L\/keyRings\/R\/cryptoKeys\/K\/cryptoKeyVersions\/N, not "/,
      );
    }
  });

  it("composes gcloud's short attestor and --keyversion-* parts as gcloud does", () => {
    assert.equal(value(composeAttestor('a1', 'p1')), 'projects/p1/attestors/a1');
    assert.equal(value(composeAttestor('projects/p2/attestors/a1', 'p1')), 'projects/p2/attestors/a1');
    assert.match(problem(composeAttestor('a1', undefined)), /is a short name: give its project too \(--attestor-project\)/);
    assert.equal(value(composeKeyVersion({ keyversion: '1', project: 'p1', location: 'global', keyring: 'r', key: 'k' })), KEY);
    assert.equal(value(composeKeyVersion({ keyversion: KEY })), KEY);
    assert.match(problem(composeKeyVersion({ keyversion: '1', project: 'p1' })), /give --keyversion-location, --keyversion-keyring, --keyversion-key too/);
  });

  it('fail-on levels and booleans', () => {
    assert.equal(value(failOn(undefined)), 'fail');
    assert.equal(value(failOn('warn')), 'warn');
    assert.equal(problem(failOn('sometimes')), 'must be one of never, error, fail, warn, not "sometimes"');
    assert.equal(value(bool('', true)), true);
    assert.equal(value(bool('No', true)), false);
    assert.equal(problem(bool('maybe', true)), 'must be true or false, not "maybe"');
  });

  it('a long value is shown bounded', () => {
    assert.ok(problem(concurrency('9'.repeat(500))).length < 150);
  });

  it("valueOrThrow prefixes the front end's name for the setting", () => {
    assert.throws(
      () => valueOrThrow('--concurrency', concurrency('0')),
      (error: Error) => error.name === 'UserError' && error.message === '--concurrency must be a whole number from 1 to 64, not "0"',
    );
  });
});

describe('both front ends, one problem', () => {
  const cli = (args: string[]): string => {
    try {
      parseCommandLine(args, {}, '/work');
    } catch (error) {
      return messageOf(error);
    }
    return assert.fail('the command line was accepted');
  };
  const action = (inputs: Record<string, string>): string => {
    try {
      readInputs((name) => inputs[name] ?? '');
    } catch (error) {
      return messageOf(error);
    }
    return assert.fail('the inputs were accepted');
  };
  const cases: readonly (readonly [flag: string, input: string, bad: string])[] = [
    ['concurrency', 'concurrency', '0'],
    ['timeout', 'timeout', 'abc'],
    ['max-file-size', 'max_file_size', 'huge'],
    ['registry-mirror', 'registry_mirrors', 'gcr.io'],
    ['fail-on', 'fail_on', 'sometimes'],
  ];
  for (const [flag, input, bad] of cases) {
    it(`--${flag} ${bad} and ${input}: ${bad} give the same problem`, () => {
      const fromCli = cli(['check', '--policy-file', 'p.yaml', `--${flag}`, bad, 'deploy']);
      const fromAction = action({ [input]: bad });
      assert.ok(fromCli.startsWith(`--${flag} `), fromCli);
      assert.ok(fromAction.startsWith(`Input ${input} `), fromAction);
      assert.equal(fromCli.slice(`--${flag} `.length), fromAction.slice(`Input ${input} `.length));
    });
  }

  it('the attestor and KMS key version: the same problem in attest and mode: attest', () => {
    const images = 'gcr.io/p/a@sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
    const fromCli = cli(['attest', '--attestor', 'projects/p1/attestors/a', '--kms-key-version', 'k', images]);
    const fromAction = action({ mode: 'attest', attestor: 'projects/p1/attestors/a', kms_key_version: 'k', images });
    assert.equal(fromCli.replace(/^--kms-key-version /, ''), fromAction.replace(/^Input kms_key_version /, ''));
    const badAttestor = cli(['attest', '--attestor', 'projects/P/attestors/a', '--kms-key-version', KEY, images]);
    assert.equal(
      badAttestor.replace(/^--attestor /, ''),
      action({ mode: 'attest', attestor: 'projects/P/attestors/a', kms_key_version: KEY, images }).replace(/^Input attestor /, ''),
    );
  });

  it('the same defaults', () => {
    const command = parseCommandLine(['check', '--project', 'p1', 'deploy'], {}, '/work');
    const inputs = readInputs(() => '');
    assert.ok(command.kind === 'check' && command.live);
    assert.equal(command.live.concurrency, inputs.concurrency);
    assert.equal(command.live.timeoutMs, inputs.timeoutMs);
    assert.equal(command.live.resolveTags, inputs.resolveTags);
    assert.deepEqual(command.live.mirrors, inputs.mirrors);
    assert.equal(command.settings.maxFileBytes, inputs.maxFileBytes);
    assert.equal(command.settings.requireEnforcement, inputs.requireEnforcement);
    assert.equal(command.failOn, inputs.failOn);
  });
});
