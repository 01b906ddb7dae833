// The command line's parsing, in-process: each command its own options, gcloud's names as
// aliases that build the very same settings, and every usage problem one UserError line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { helpTopicOf, parseCommandLine } from '../../src/cli/command-line.ts';
import { helpText, usageErrorLine } from '../../src/cli/help.ts';
import { messageOf } from '../../src/errors.ts';

const IMAGE = 'us-docker.pkg.dev/p1/apps/web@sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const KEY = 'projects/p1/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';
const parse = (args: string[]) => parseCommandLine(args, {}, '/work');

function refusal(args: string[]): string {
  try {
    parse(args);
  } catch (error) {
    assert.equal((error as Error).name, 'UserError', `${messageOf(error)} is a user error`);
    return messageOf(error);
  }
  return assert.fail(`accepted: ${args.join(' ')}`);
}

describe("attest: gcloud's names", () => {
  it("--attestor NAME --attestor-project, --keyversion-* and --artifact-url build the long form's settings", () => {
    const gcloud = parse([
      'attest',
      '--attestor',
      'a1',
      '--attestor-project',
      'p1',
      '--keyversion',
      '1',
      '--keyversion-project',
      'p1',
      '--keyversion-location',
      'global',
      '--keyversion-keyring',
      'r',
      '--keyversion-key',
      'k',
      '--artifact-url',
      IMAGE,
    ]);
    const long = parse(['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY, IMAGE]);
    assert.equal(gcloud.kind, 'attest');
    assert.deepEqual(gcloud, long);
    assert.ok(gcloud.kind === 'attest');
    assert.equal(gcloud.settings.attestor, 'projects/p1/attestors/a1');
    assert.deepEqual(gcloud.settings.signer, { kind: 'kms', keyVersion: KEY });
    assert.deepEqual(gcloud.settings.images, [IMAGE]);
  });

  it('--keyversion takes a full name too, and --public-key-id-override is --public-key-id', () => {
    assert.deepEqual(
      parse(['attest', '--attestor', 'projects/p1/attestors/a1', '--keyversion', KEY, IMAGE]),
      parse(['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY, IMAGE]),
    );
    const override = parse(['attest', '--attestor', 'projects/p1/attestors/a1', '--private-key-file', 'k.pem', '--public-key-id-override', 'id1', IMAGE]);
    assert.deepEqual(override, parse(['attest', '--attestor', 'projects/p1/attestors/a1', '--private-key-file', 'k.pem', '--public-key-id', 'id1', IMAGE]));
  });

  it('refuses what gcloud would not compose', () => {
    assert.match(
      refusal(['attest', '--attestor', 'a1', '--kms-key-version', KEY, IMAGE]),
      /^--attestor is a short name: give its project too \(--attestor-project\)/,
    );
    assert.match(
      refusal(['attest', '--attestor', 'projects/p1/attestors/a1', '--keyversion', '1', '--keyversion-project', 'p1', IMAGE]),
      /^--keyversion is a version number: give --keyversion-location, --keyversion-keyring, --keyversion-key too/,
    );
    assert.match(
      refusal(['attest', '--attestor', 'projects/p1/attestors/a1', '--keyversion-key', 'k', '--kms-key-version', KEY, IMAGE]),
      /^--keyversion-key needs --keyversion$/,
    );
    assert.match(
      refusal(['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY, '--keyversion', KEY, IMAGE]),
      /^give --kms-key-version or --keyversion, not both$/,
    );
    assert.match(
      refusal(['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY, '--public-key-id', 'x', IMAGE]),
      /^--public-key-id goes with --private-key-file/,
    );
  });
});

describe('each command its own options', () => {
  it("refuses another command's option", () => {
    assert.match(
      refusal(['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY, '--fail-on', 'warn', IMAGE]),
      /^Unknown option '--fail-on'$/,
    );
    assert.match(refusal(['check', '--policy-file', 'p.yaml', '--attestor', 'projects/p1/attestors/a1', 'deploy']), /^Unknown option '--attestor'$/);
  });

  it('numbers and durations are checked offline too', () => {
    assert.equal(refusal(['check', '--policy-file', 'p.yaml', '--concurrency', '0', 'deploy']), '--concurrency must be a whole number from 1 to 64, not "0"');
    assert.equal(
      refusal(['check', '--policy-file', 'p.yaml', '--timeout', 'abc', 'deploy']),
      '--timeout must be a duration from 1 to 3600 seconds (such as 60, 90s or 2m), not "abc"',
    );
    const ok = parse(['check', '--project', 'p1', '--timeout', '2m', '--concurrency', '3', 'deploy']);
    assert.ok(ok.kind === 'check' && ok.live);
    assert.equal(ok.live.timeoutMs, 120_000);
    assert.equal(ok.live.concurrency, 3);
  });

  it('--verbose is a check option, off by default', () => {
    const plain = parse(['check', '--policy-file', 'p.yaml', 'deploy']);
    const verbose = parse(['check', '--policy-file', 'p.yaml', '--verbose', 'deploy']);
    assert.ok(plain.kind === 'check' && verbose.kind === 'check');
    assert.equal(plain.verbose, false);
    assert.equal(verbose.verbose, true);
  });

  it('help: for the program, for each command, and `help COMMAND`', () => {
    assert.deepEqual(parse(['--help']), { kind: 'help', topic: 'overview' });
    assert.deepEqual(parse(['help']), { kind: 'help', topic: 'overview' });
    assert.deepEqual(parse(['help', 'attest']), { kind: 'help', topic: 'attest' });
    assert.deepEqual(parse(['check', '--help']), { kind: 'help', topic: 'check' });
    assert.deepEqual(parse(['attest', '-h']), { kind: 'help', topic: 'attest' });
    assert.deepEqual(parse(['impact', '--help']), { kind: 'help', topic: 'impact' });
    assert.match(refusal(['help', 'deploy']), /^no help for "deploy"/);
  });
});

describe('help texts', () => {
  it("each command's help lists its own options and one example", () => {
    const check = helpText('check');
    const attest = helpText('attest');
    const impact = helpText('impact');
    assert.match(check, /^Usage: binauthz-gate check /);
    assert.match(attest, /^Usage: binauthz-gate attest /);
    assert.match(impact, /^Usage: binauthz-gate impact /);
    for (const [text, command] of [
      [check, 'check'],
      [attest, 'attest'],
      [impact, 'impact'],
    ] as const) {
      const examples = text.split('\n').filter((line) => line.startsWith(`  binauthz-gate ${command} `));
      assert.equal(examples.length, 1, `${command} has one example`);
    }
    assert.match(check, /--fail-on/);
    assert.match(check, /--verbose/);
    assert.doesNotMatch(check, /--kms-key-version|--attestor-project/);
    assert.match(attest, /--attestor-project/);
    assert.match(attest, /--keyversion-keyring/);
    assert.match(attest, /--artifact-url/);
    assert.doesNotMatch(attest, /--fail-on|--allow-empty|--verbose/);
    assert.match(impact, /--base-policy-file/);
    assert.match(impact, /--deployed/);
    assert.doesNotMatch(impact, /--kms-key-version/);
    assert.match(helpText('overview'), /check .*\n.*attest .*\n.*impact /);
  });

  it("every option a command's help lists is one its parser takes", () => {
    for (const [topic, base] of [
      ['check', ['check', '--policy-file', 'p.yaml']],
      ['attest', ['attest', '--attestor', 'projects/p1/attestors/a1', '--kms-key-version', KEY]],
    ] as const) {
      const listed = [...helpText(topic).matchAll(/^ {2}--(?:\[no-\])?([a-z][a-z-]+)/gm)].map((m) => m[1] ?? '');
      assert.ok(listed.length >= 8, `${topic} lists its options`);
      for (const flag of listed) {
        try {
          parse([...base, `--${flag}`, 'x', IMAGE]);
        } catch (error) {
          assert.doesNotMatch(messageOf(error), /^Unknown option/, `${topic} takes --${flag}`);
        }
      }
    }
  });

  it("a usage error is one line pointing at the command's help", () => {
    assert.equal(
      usageErrorLine('--concurrency must be a whole number from 1 to 64, not "0"', helpTopicOf(['check'])),
      'binauthz-gate: --concurrency must be a whole number from 1 to 64, not "0". See: binauthz-gate check --help\n',
    );
    assert.equal(
      usageErrorLine('missing command (check, attest or impact)', helpTopicOf([])),
      'binauthz-gate: missing command (check, attest or impact). See: binauthz-gate --help\n',
    );
    assert.equal(helpTopicOf(['attest', '--x']), 'attest');
  });
});
