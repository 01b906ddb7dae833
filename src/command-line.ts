// The binauthz-gate command line: parses arguments into settings, runs the check, prints the
// report and returns the exit status: 0 (pass), 1 (fail) or 2 (could not decide, or bad usage).
import { parseArgs } from 'node:util';
import { runCheck, type CheckSettings } from './check.ts';
import { DEFAULT_MAX_FILE_BYTES } from './files/manifest-files.ts';
import { exitCode, type FailOn } from './report/report.ts';
import { formatText } from './report/format-text.ts';
import packageJson from '../package.json' with { type: 'json' };

const USAGE = `Usage: binauthz-gate check --policy-file POLICY [options] PATH...

Decides, for every Cloud Run Service and Job in PATH (files, or folders scanned for
*.yaml, *.yml and *.json), what Binary Authorization will do with each container image.

Options:
  --policy-file FILE         the project policy: \`gcloud container binauthz policy export\` (YAML),
                             the REST API's JSON, or a Config Connector BinaryAuthorizationPolicy
  --attestors FILE           attestors, as \`gcloud container binauthz attestors describe --format=json\`
  --attestations FILE        ATTESTATION occurrences, as \`gcloud container binauthz attestations list --format=json\`
  --format text|json         report format (default text)
  --fail-on LEVEL            never | error | fail | warn: the lowest verdict that fails the run
                             (default fail: exit 1 on fail, 2 when something could not be decided)
  --no-require-enforcement   judge a workload without run.googleapis.com/binary-authorization by its
                             images instead of failing it (by default it fails: Cloud Run would not check it)
  --max-file-size SIZE       refuse files larger than this (default 4MB; accepts KB, MB)
  -h, --help                 show this help
  --version                  print the version

Exit status: 0 pass, 1 fail, 2 could not decide (or bad usage).`;

class UsageError extends Error {}

type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'check'; settings: CheckSettings; format: 'text' | 'json'; failOn: FailOn };

export function parseCommandLine(argv: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    allowNegative: true,
    options: {
      'policy-file': { type: 'string' },
      attestors: { type: 'string' },
      attestations: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'fail' },
      'require-enforcement': { type: 'boolean', default: true },
      'max-file-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...paths] = positionals;
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  if (paths.length === 0) throw new UsageError('check needs at least one PATH (a manifest file or a folder)');
  if (!values['policy-file']) throw new UsageError('check needs --policy-file (live policies come with --project in a later release)');
  return {
    kind: 'check',
    format: oneOf('--format', values.format, ['text', 'json'] as const),
    failOn: oneOf('--fail-on', values['fail-on'], ['never', 'error', 'fail', 'warn'] as const),
    settings: {
      policyFile: values['policy-file'],
      attestorsFile: values.attestors ?? null,
      attestationsFile: values.attestations ?? null,
      paths,
      requireEnforcement: values['require-enforcement'],
      maxFileBytes: values['max-file-size'] ? parseSize(values['max-file-size']) : DEFAULT_MAX_FILE_BYTES,
    },
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

function parseSize(text: string): number {
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--max-file-size must be a size such as 4MB or 512KB, not "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1;
  return Number(match[1]) * factor;
}

export async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`binauthz-gate: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') return print(`${USAGE}\n`, 0);
  if (command.kind === 'version') return print(`${packageJson.version}\n`, 0);
  const report = await runCheck(command.settings);
  const output = command.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report);
  return print(output, exitCode(report, command.failOn));
}

function print(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}
