// The binauthz-gate command line: parses arguments and environment into settings, runs the
// check, prints the report and returns the exit status: 0 (pass), 1 (fail) or 2 (could not
// decide, or bad usage).
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UserError, messageOf } from '../errors.ts';
import { runCheck } from '../run/check.ts';
import { policySourceOf, type CheckSettings, type PolicySource } from '../run/settings.ts';
import { createLiveServices, liveSettingsFrom, type LiveSettings } from '../run/live-services.ts';
import { exitCode, type FailOn, type Report } from '../report/report.ts';
import { formatMarkdown } from '../report/format-markdown.ts';
import { formatSarif } from '../report/format-sarif.ts';
import { formatGitlab } from '../report/format-gitlab.ts';
import { formatText } from '../report/format-text.ts';
import { attestExitCode, attestJson, formatAttestText } from '../report/format-attest.ts';
import { runAttest, type AttestSettings, type SignerSettings } from '../run/attest.ts';
import { defaultProject } from '../gcp/project.ts';
import { VERSION } from '../version.ts';
import { redactorFor, type Redactor } from '../report/redact.ts';
import { helpText, usageErrorLine, type HelpTopic } from './help.ts';
import { impactCommand as parseImpactCommand, runImpactCommand, type ImpactCommand } from './impact-command.ts';
import { isRegionArgument } from '../run/load-deployed.ts';
import {
  ATTEST_FORMATS,
  CHECK_FORMATS,
  composeAttestor,
  composeKeyVersion,
  concurrency,
  DEFAULTS,
  failOn,
  kmsKeyVersionName,
  maxFileBytes,
  oneOf,
  registryMirrors,
  timeoutSeconds,
  valueOrThrow,
} from '../run/validate.ts';
import { attestationSource } from './attestation-source.ts';
import { joinedPieces, jsonChunks } from '../report/json-chunks.ts';

type Env = Readonly<Record<string, string | undefined>>;

type CheckFormat = (typeof CHECK_FORMATS)[number];

export type Command =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'check';
      readonly settings: CheckSettings;
      readonly live: LiveSettings | null;
      readonly format: CheckFormat;
      readonly failOn: FailOn;
      readonly verbose: boolean;
    }
  | { readonly kind: 'attest'; readonly settings: AttestSettings; readonly live: LiveSettings; readonly format: 'text' | 'json' }
  | ImpactCommand;

// Each command parses its own options: an option of another command is refused, not ignored.
// One option per line, so that adding one merges cleanly. No parseArgs defaults: the shared
// validators (src/run/validate.ts) give them, the same as in the action.
const LIMIT_OPTIONS = {
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  'max-file-size': { type: 'string' },
  'registry-mirror': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

const CHECK_OPTIONS = {
  'policy-file': { type: 'string' },
  project: { type: 'string' },
  attestors: { type: 'string' },
  attestations: { type: 'string' },
  'resolve-tags': { type: 'boolean' },
  format: { type: 'string' },
  verbose: { type: 'boolean' },
  'fail-on': { type: 'string' },
  'require-enforcement': { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
  'policy-address': { type: 'string' },
  deployed: { type: 'boolean' },
  region: { type: 'string', multiple: true },
  ...LIMIT_OPTIONS,
} as const satisfies ParseArgsOptionsConfig;

const IMPACT_OPTIONS = {
  'policy-file': { type: 'string' },
  'base-policy-file': { type: 'string' },
  'policy-address': { type: 'string' },
  project: { type: 'string' },
  attestors: { type: 'string' },
  attestations: { type: 'string' },
  'resolve-tags': { type: 'boolean' },
  deployed: { type: 'boolean' },
  region: { type: 'string', multiple: true },
  'fail-on-weaken': { type: 'boolean' },
  'require-enforcement': { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
  format: { type: 'string' },
  ...LIMIT_OPTIONS,
} as const satisfies ParseArgsOptionsConfig;

const ATTEST_OPTIONS = {
  attestor: { type: 'string' },
  'attestor-project': { type: 'string' },
  'kms-key-version': { type: 'string' },
  keyversion: { type: 'string' },
  'keyversion-project': { type: 'string' },
  'keyversion-location': { type: 'string' },
  'keyversion-keyring': { type: 'string' },
  'keyversion-key': { type: 'string' },
  'private-key-file': { type: 'string' },
  'public-key-id': { type: 'string' },
  'public-key-id-override': { type: 'string' },
  'artifact-url': { type: 'string', multiple: true },
  'from-manifests': { type: 'string', multiple: true },
  'policy-file': { type: 'string' },
  project: { type: 'string' },
  'resolve-tags': { type: 'boolean' },
  format: { type: 'string' },
  ...LIMIT_OPTIONS,
} as const satisfies ParseArgsOptionsConfig;

const COMMANDS: readonly HelpTopic[] = ['check', 'attest', 'impact'];

/** The command whose help a usage error points at: the first argument, when it is one. */
export function helpTopicOf(argv: readonly string[]): HelpTopic {
  return COMMANDS.find((command) => command === argv[0]) ?? 'overview';
}

/**
 * `cwd` is the folder relative paths start from, and the root named files are confined to
 * (a folder argument is its own root): see FileScope. Bad usage is a UserError of one line.
 */
export function parseCommandLine(argv: readonly string[], env: Env, cwd: string): Command {
  const [first, ...rest] = argv;
  try {
    return parseCommand(first, rest, env, cwd);
  } catch (error) {
    if (isParseArgsError(error)) throw new UserError(parseArgsMessage(error));
    throw error;
  }
}

function parseCommand(first: string | undefined, rest: readonly string[], env: Env, cwd: string): Command {
  if (first === undefined) throw new UserError('missing command (check, attest or impact)');
  if (first === '--version') return { kind: 'version' };
  if (first === '--help' || first === '-h') return { kind: 'help', topic: 'overview' };
  if (first === 'help') return { kind: 'help', topic: helpTopic(rest[0]) };
  if (first === 'check') return checkCommand(rest, env, cwd);
  if (first === 'attest') return attestCommand(rest, env, cwd);
  if (first === 'impact') return impactCommand(rest, env, cwd);
  throw new UserError(
    first.startsWith('-') ? `${first} before the command: write the command first (binauthz-gate check ${first} ...)` : `unknown command "${first}"`,
  );
}

function helpTopic(name: string | undefined): HelpTopic {
  if (name === undefined) return 'overview';
  const topic = COMMANDS.find((command) => command === name);
  if (!topic) throw new UserError(`no help for "${name}": the commands are ${COMMANDS.join(', ')}`);
  return topic;
}

/** The impact command's own reading of its options lives in impact-command.ts. */
function impactCommand(args: readonly string[], env: Env, cwd: string): Command {
  const { values, positionals: paths } = parseArgs({ args: [...args], allowPositionals: true, strict: true, allowNegative: true, options: IMPACT_OPTIONS });
  if (values.help) return { kind: 'help', topic: 'impact' };
  const limits = limitSettings(values);
  return parseImpactCommand(values, paths, env, cwd, { live: () => liveSettings(limits, values['resolve-tags'], env), maxFileBytes: limits.maxFileBytes });
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** parseArgs' message, first sentence only (its advice on `--` for positionals is noise here). */
function parseArgsMessage(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return error.message.split('. ')[0] ?? error.message;
  return error.message.split('\n')[0] ?? error.message;
}

function checkCommand(args: readonly string[], env: Env, cwd: string): Command {
  const { values, positionals: paths } = parseArgs({ args: [...args], allowPositionals: true, strict: true, allowNegative: true, options: CHECK_OPTIONS });
  if (values.help) return { kind: 'help', topic: 'check' };
  const limits = limitSettings(values);
  const deployed = deployedSource(values, env);
  if (paths.length === 0 && !deployed) throw new UserError('check needs at least one PATH (a manifest file or a folder), or --deployed');
  if (values['policy-address'] !== undefined && values['policy-file'] === undefined)
    throw new UserError('--policy-address needs --policy-file (a Terraform plan)');
  const policy = policySource(values['policy-file'], values.project ?? defaultProject(env), values['policy-address']);
  const attestations = attestationSource(values.attestors, values.attestations, policy);
  const live = policy.from === 'live' || attestations.from === 'live' || values['resolve-tags'] === true || deployed !== null;
  return {
    kind: 'check',
    format: valueOrThrow('--format', oneOf(values.format, CHECK_FORMATS, 'text')),
    failOn: valueOrThrow('--fail-on', failOn(values['fail-on'])),
    verbose: values.verbose ?? false,
    settings: {
      policy,
      attestations,
      paths,
      files: { workingFolder: cwd, paths: 'named' },
      allowEmpty: values['allow-empty'] ?? false,
      requireEnforcement: values['require-enforcement'] ?? DEFAULTS.requireEnforcement,
      maxFileBytes: limits.maxFileBytes,
      deployed,
    },
    live: live ? liveSettings(limits, values['resolve-tags'], env) : null,
  };
}

/** `--deployed --region R...`: what is deployed now in the project (live mode; `--region all` asks Cloud Run for the regions). */
function deployedSource(
  values: { deployed?: boolean | undefined; region?: string[] | undefined; project?: string | undefined },
  env: Env,
): { project: string; regions: string[] } | null {
  const regions = values.region ?? [];
  if (!values.deployed) {
    if (regions.length > 0) throw new UserError('--region needs --deployed');
    return null;
  }
  if (regions.length === 0) throw new UserError('--deployed needs --region REGION (repeatable) or --region all');
  const invalid = regions.find((region) => !isRegionArgument(region));
  if (invalid !== undefined)
    throw new UserError(`--region must be a Cloud Run region id (like europe-west1) or all, not ${JSON.stringify(invalid.slice(0, 64))}`);
  const project = values.project ?? defaultProject(env);
  if (!project) throw new UserError('--deployed needs a project (--project, CLOUDSDK_CORE_PROJECT or GOOGLE_CLOUD_PROJECT)');
  return { project, regions: [...new Set(regions)] };
}

function attestCommand(args: readonly string[], env: Env, cwd: string): Command {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, allowNegative: true, options: ATTEST_OPTIONS });
  if (values.help) return { kind: 'help', topic: 'attest' };
  const limits = limitSettings(values);
  if (values.attestor === undefined) throw new UserError('attest needs --attestor projects/PROJECT/attestors/ATTESTOR');
  const attestor = valueOrThrow('--attestor', composeAttestor(values.attestor, values['attestor-project']));
  const fromManifests = values['from-manifests'] ?? [];
  // gcloud's --artifact-url names an image as the argument does: both are what the caller built.
  const images = [...(values['artifact-url'] ?? []), ...positionals];
  // Manifests only narrow: what is signed is always what the caller (the build) names.
  if (images.length === 0) {
    throw new UserError(
      `attest needs the images to attest as IMAGE@sha256:... arguments${fromManifests.length > 0 ? ' (--from-manifests only narrows them; it never adds one)' : ''}`,
    );
  }
  return {
    kind: 'attest',
    format: valueOrThrow('--format', oneOf(values.format, ATTEST_FORMATS, 'text')),
    live: liveSettings(limits, values['resolve-tags'], env),
    settings: {
      attestor,
      signer: signerSettings(values),
      images,
      fromManifests:
        fromManifests.length > 0 ? { paths: fromManifests, policy: policySource(values['policy-file'], values.project ?? defaultProject(env)) } : null,
      project: values.project ?? null,
      files: { workingFolder: cwd, paths: 'named' },
      maxFileBytes: limits.maxFileBytes,
    },
  };
}

type AttestValues = ReturnType<typeof parseArgs<{ options: typeof ATTEST_OPTIONS; allowPositionals: true; strict: true }>>['values'];

function signerSettings(values: AttestValues): SignerSettings {
  const kms = kmsKeyVersion(values);
  const keyFile = values['private-key-file'];
  const publicKeyId = oneAlias(values, 'public-key-id', 'public-key-id-override');
  if (kms && keyFile) throw new UserError('give --kms-key-version (or --keyversion) or --private-key-file, not both');
  if (kms) {
    // A KMS attestation is checked under the key version's own id: an override would be a key the attestor may not hold.
    if (publicKeyId !== undefined) throw new UserError('--public-key-id goes with --private-key-file; a Cloud KMS key is known by its key version');
    return { kind: 'kms', keyVersion: kms };
  }
  if (keyFile) {
    if (!publicKeyId) throw new UserError('--private-key-file needs --public-key-id (the id under which the attestor holds the public key)');
    return { kind: 'local', keyFile, publicKeyId };
  }
  throw new UserError('attest needs a signer: --kms-key-version NAME, or --private-key-file FILE with --public-key-id ID');
}

/** --kms-key-version, or gcloud's --keyversion (a full name, or a number with its --keyversion-* parts). */
function kmsKeyVersion(values: AttestValues): string | null {
  const parts = ['keyversion-project', 'keyversion-location', 'keyversion-keyring', 'keyversion-key'] as const;
  if (values['kms-key-version'] !== undefined && values.keyversion !== undefined) throw new UserError('give --kms-key-version or --keyversion, not both');
  // A part without --keyversion would be silently dropped: the key signing would not be the one meant.
  const stray = values.keyversion === undefined ? parts.find((part) => values[part] !== undefined) : undefined;
  if (stray) throw new UserError(`--${stray} needs --keyversion`);
  if (values['kms-key-version'] !== undefined) return valueOrThrow('--kms-key-version', kmsKeyVersionName(values['kms-key-version']));
  if (values.keyversion === undefined) return null;
  const [project, location, keyring, key] = parts.map((part) => values[part]);
  return valueOrThrow('--keyversion', composeKeyVersion({ keyversion: values.keyversion, project, location, keyring, key }));
}

function oneAlias(values: AttestValues, name: 'public-key-id', alias: 'public-key-id-override'): string | undefined {
  if (values[name] !== undefined && values[alias] !== undefined) throw new UserError(`give --${name} or --${alias}, not both`);
  return values[name] ?? values[alias];
}

interface LimitValues {
  readonly concurrency?: string | undefined;
  readonly timeout?: string | undefined;
  readonly 'max-file-size'?: string | undefined;
  readonly 'registry-mirror'?: string[] | undefined;
}

interface Limits {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxFileBytes: number;
  readonly mirrors: ReadonlyMap<string, string>;
}

/** Validated whether or not the run goes live: `--timeout abc` is a mistake offline too. */
function limitSettings(values: LimitValues): Limits {
  return {
    concurrency: valueOrThrow('--concurrency', concurrency(values.concurrency)),
    timeoutMs: valueOrThrow('--timeout', timeoutSeconds(values.timeout)) * 1000,
    maxFileBytes: valueOrThrow('--max-file-size', maxFileBytes(values['max-file-size'])),
    mirrors: valueOrThrow('--registry-mirror', registryMirrors(values['registry-mirror'] ?? [])),
  };
}

function liveSettings(limits: Limits, resolveTags: boolean | undefined, env: Env): LiveSettings {
  const choices = { concurrency: limits.concurrency, timeoutMs: limits.timeoutMs, resolveTags: resolveTags ?? DEFAULTS.resolveTags, mirrors: limits.mirrors };
  try {
    return liveSettingsFrom(env, choices);
  } catch (error) {
    throw new UserError(`an endpoint override is not a URL: ${messageOf(error)}`);
  }
}

function policySource(file: string | undefined, project: string | null, planAddress?: string): PolicySource {
  const source = policySourceOf(file, project, planAddress ?? null);
  if (source) return source;
  throw new UserError('check needs --policy-file, or a project to read the live policy from (--project, CLOUDSDK_CORE_PROJECT or GOOGLE_CLOUD_PROJECT)');
}

/**
 * Runs the command line. `redactor` is the run's one redaction point: it learns every credential
 * (environment, Google tokens, key files) and every write to stdout or stderr goes through it;
 * reports are redacted field by field before formatting too, since a format may escape a secret
 * (markdown turns `_` into an entity) so that the written text no longer contains it verbatim.
 */
/** `cwd` is the folder relative paths and the report's paths start from (the entry point passes the process's). */
export async function main(argv: readonly string[], env: Env, cwd: string, redactor: Redactor = redactorFor(env)): Promise<number> {
  const print = (text: string, code: number): number => {
    process.stdout.write(redactor.redact(text));
    return code;
  };
  let command: Command;
  try {
    command = parseCommandLine(argv, env, cwd);
  } catch (error) {
    // One line naming the problem and pointing at the command's help; never the whole help.
    if (!(error instanceof UserError)) throw error;
    process.stderr.write(redactor.redact(usageErrorLine(messageOf(error), helpTopicOf(argv))));
    return 2;
  }
  if (command.kind === 'help') return print(helpText(command.topic), 0);
  if (command.kind === 'version') return print(`${VERSION}\n`, 0);
  if (command.kind === 'attest') {
    const report = redactor.redactValue(await runAttest(command.settings, createLiveServices(command.live, redactor).services, redactor));
    return print(command.format === 'json' ? `${JSON.stringify(attestJson(report), null, 2)}\n` : formatAttestText(report), attestExitCode(report));
  }
  if (command.kind === 'impact') return runImpactCommand(command, redactor, print);
  const live = command.live ? createLiveServices(command.live, redactor) : null;
  const report = redactor.redactValue(await runCheck(command.settings, live?.services ?? null));
  if (command.format === 'json') {
    // In texts of about 64 KiB (each redacted): a large report is never held again as one text.
    for (const text of joinedPieces(jsonChunks(report))) process.stdout.write(redactor.redact(text));
    return print('\n', exitCode(report, command.failOn));
  }
  return print(formatReport(report, command.format, cwd, command.verbose), exitCode(report, command.failOn));
}

/** Every format but JSON, which `main` writes piece by piece. */
function formatReport(report: Report, format: Exclude<CheckFormat, 'json'>, cwd: string, verbose: boolean): string {
  switch (format) {
    case 'markdown':
      return formatMarkdown(report, { links: null, maxLength: Number.MAX_SAFE_INTEGER, overflowNote: '', marker: null });
    case 'sarif':
      return `${JSON.stringify(formatSarif(report, { name: 'binauthz-gate', version: VERSION, informationUri: 'https://github.com/binauthz-gate/binauthz-gate' }, { root: cwd }), null, 2)}\n`;
    case 'gitlab':
      // GitLab runs the job in the checkout: absolute paths are made relative to it.
      return `${JSON.stringify(formatGitlab(report, { root: cwd }), null, 2)}\n`;
    case 'text':
      return formatText(report, { verbose });
  }
}
