// The binauthz-gate command line: parses arguments and environment into settings, runs the
// check, prints the report and returns the exit status: 0 (pass), 1 (fail) or 2 (could not
// decide, or bad usage).
import { parseArgs } from 'node:util';
import { UserError, messageOf } from '../errors.ts';
import { runCheck } from '../run/check.ts';
import { policySourceOf, type AttestationSource, type CheckSettings, type PolicySource } from '../run/settings.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../files/manifest-files.ts';
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
import { jsonChunks } from '../report/json-chunks.ts';

const USAGE = `Usage: binauthz-gate check [--policy-file POLICY | --project PROJECT] [options] PATH...
       binauthz-gate attest --attestor projects/P/attestors/A (--kms-key-version KEY_VERSION |
                            --private-key-file KEY.pem --public-key-id ID) [options] IMAGE...

Decides, for every Cloud Run Service and Job in PATH (files, or folders scanned for
*.yaml, *.yml and *.json), what Binary Authorization will do with each container image.

Policy and evidence:
  --policy-file FILE         the project policy: \`gcloud container binauthz policy export\` (YAML),
                             the REST API's JSON, or a Config Connector BinaryAuthorizationPolicy
  --project ID               check against the policy live on this project (default when no
                             --policy-file: CLOUDSDK_CORE_PROJECT, CLOUDSDK_PROJECT, GOOGLE_CLOUD_PROJECT,
                             GCLOUD_PROJECT, or the ADC file's project)
  --attestors FILE           attestors, as \`gcloud container binauthz attestors describe --format=json\`
  --attestations FILE|live   ATTESTATION occurrences, as \`gcloud container binauthz attestations list
                             --format=json\`; \`live\` fetches attestors and attestations from Google
                             (the default with a live policy)
  --[no-]resolve-tags        resolve image tags to digests through the registry, as Cloud Run does at
                             deploy time (default: on in live mode, off offline)
  --registry-mirror HOST=URL send HOST's registry requests to URL (repeatable)

Attest (after a build; signs only the IMAGEs given, each once its registry confirms the digest,
and converges concurrent runs on one occurrence per attestor and digest):
  --attestor NAME            the attestor to attest for
  --kms-key-version NAME     sign with Cloud KMS: projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N
  --private-key-file FILE    sign with a local PEM key (PKCS#8, SEC1 or PKCS#1) ...
  --public-key-id ID         ... whose public key the attestor holds under this id
  --from-manifests PATH      attest only those IMAGEs these manifests deploy under a workload the policy
                             sends to the attestor (repeatable; the policy from --policy-file or --project);
                             it narrows the IMAGEs given, never adds one
  --project ID               the project occurrences are created in (default: the note's project)

Output and limits:
  --format FORMAT            text (default), json, markdown (the pull-request comment's body),
                             sarif (code scanning, with file and line) or gitlab (GitLab Code Quality)
  --allow-empty              pass when PATH holds no Cloud Run Service or Job (by default that is an
                             error: nothing was checked)
  --fail-on LEVEL            never | error | fail | warn: the lowest verdict that fails the run
                             (default fail: exit 1 on fail, 2 when something could not be decided)
  --no-require-enforcement   judge a workload without run.googleapis.com/binary-authorization by its
                             images instead of failing it (by default it fails: Cloud Run would not check it)
  --concurrency N            Google and registry requests in flight at once (default 8)
  --timeout SECONDS          deadline for all remote calls, retries included (default 60)
  --max-file-size SIZE       refuse files larger than this (default 4MB; accepts KB, MB)
  -h, --help                 show this help
  --version                  print the version

Credentials (live mode): CLOUDSDK_AUTH_ACCESS_TOKEN, else Application Default Credentials.
Endpoints: CLOUDSDK_API_ENDPOINT_OVERRIDES_{BINARYAUTHORIZATION,CONTAINERANALYSIS,CLOUDKMS}.

Exit status: 0 pass, 1 fail, 2 could not decide (or bad usage).`;


type Env = Readonly<Record<string, string | undefined>>;

type CheckFormat = 'text' | 'json' | 'markdown' | 'sarif' | 'gitlab';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'check';
      readonly settings: CheckSettings;
      readonly live: LiveSettings | null;
      readonly format: CheckFormat;
      readonly failOn: FailOn;
    }
  | { readonly kind: 'attest'; readonly settings: AttestSettings; readonly live: LiveSettings; readonly format: 'text' | 'json' };

function parseValues(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    allowNegative: true,
    options: {
      'policy-file': { type: 'string' },
      project: { type: 'string' },
      attestor: { type: 'string' },
      'kms-key-version': { type: 'string' },
      'private-key-file': { type: 'string' },
      'public-key-id': { type: 'string' },
      'from-manifests': { type: 'string', multiple: true },
      attestors: { type: 'string' },
      attestations: { type: 'string' },
      'resolve-tags': { type: 'boolean' },
      'registry-mirror': { type: 'string', multiple: true },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'fail' },
      'require-enforcement': { type: 'boolean', default: true },
      'allow-empty': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '8' },
      timeout: { type: 'string', default: '60' },
      'max-file-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}

/**
 * `cwd` is the folder relative paths start from, and the root named files are confined to
 * (a folder argument is its own root): see FileScope.
 */
export function parseCommandLine(argv: readonly string[], env: Env, cwd: string): Command {
  const { values, positionals } = parseValues(argv);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === 'attest') return attestCommand(values, rest, env, cwd);
  if (command !== 'check') throw new UserError(command ? `unknown command "${command}"` : 'missing command (check or attest)');
  const paths = rest;
  if (paths.length === 0) throw new UserError('check needs at least one PATH (a manifest file or a folder)');
  const policy = policySource(values['policy-file'], values.project ?? defaultProject(env));
  const attestations = attestationSource(values.attestors, values.attestations, policy);
  const live = policy.from === 'live' || attestations.from === 'live' || values['resolve-tags'] === true;
  return {
    kind: 'check',
    format: oneOf('--format', values.format, ['text', 'json', 'markdown', 'sarif', 'gitlab'] as const),
    failOn: oneOf('--fail-on', values['fail-on'], ['never', 'error', 'fail', 'warn'] as const),
    settings: {
      policy,
      attestations,
      paths,
      files: { workingFolder: cwd, paths: 'named' },
      allowEmpty: values['allow-empty'],
      requireEnforcement: values['require-enforcement'],
      maxFileBytes: maxFileBytes(values),
    },
    live: live ? liveSettings(values, env) : null,
  };
}

type Values = ReturnType<typeof parseValues>['values'];

function attestCommand(values: Values, images: readonly string[], env: Env, cwd: string): Command {
  const attestor = values.attestor;
  if (!attestor || !/^projects\/[^/]+\/attestors\/[^/]+$/.test(attestor)) throw new UserError('attest needs --attestor projects/PROJECT/attestors/ATTESTOR');
  const fromManifests = values['from-manifests'] ?? [];
  // Manifests only narrow: what is signed is always what the caller (the build) names.
  if (images.length === 0) {
    throw new UserError(`attest needs the images to attest as IMAGE@sha256:... arguments${fromManifests.length > 0 ? ' (--from-manifests only narrows them; it never adds one)' : ''}`);
  }
  return {
    kind: 'attest',
    format: oneOf('--format', values.format, ['text', 'json'] as const),
    live: liveSettings(values, env),
    settings: {
      attestor,
      signer: signerSettings(values),
      images,
      fromManifests: fromManifests.length > 0 ? { paths: fromManifests, policy: policySource(values['policy-file'], values.project ?? defaultProject(env)) } : null,
      project: values.project ?? null,
      files: { workingFolder: cwd, paths: 'named' },
      maxFileBytes: maxFileBytes(values),
    },
  };
}

function signerSettings(values: Values): SignerSettings {
  const kms = values['kms-key-version'];
  const keyFile = values['private-key-file'];
  if (kms && keyFile) throw new UserError('give --kms-key-version or --private-key-file, not both');
  if (kms) {
    if (!/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/.test(kms)) {
      throw new UserError(`--kms-key-version must be projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N, not "${kms}"`);
    }
    return { kind: 'kms', keyVersion: kms };
  }
  if (keyFile) {
    const publicKeyId = values['public-key-id'];
    if (!publicKeyId) throw new UserError('--private-key-file needs --public-key-id (the id under which the attestor holds the public key)');
    return { kind: 'local', keyFile, publicKeyId };
  }
  throw new UserError('attest needs a signer: --kms-key-version NAME, or --private-key-file FILE with --public-key-id ID');
}

function maxFileBytes(values: Values): number {
  return values['max-file-size'] ? parseSize(values['max-file-size']) : DEFAULT_MAX_FILE_BYTES;
}

function liveSettings(values: Values, env: Env): LiveSettings {
  const choices = {
    concurrency: parseWholeNumber('--concurrency', values.concurrency, 1, 64),
    timeoutMs: parseWholeNumber('--timeout', values.timeout, 1, 3600) * 1000,
    resolveTags: values['resolve-tags'] ?? true,
    mirrors: parseMirrors(values['registry-mirror'] ?? []),
  };
  try {
    return liveSettingsFrom(env, choices);
  } catch (error) {
    throw new UserError(`an endpoint override is not a URL: ${messageOf(error)}`);
  }
}

function policySource(file: string | undefined, project: string | null): PolicySource {
  const source = policySourceOf(file, project);
  if (source) return source;
  throw new UserError('check needs --policy-file, or a project to read the live policy from (--project, CLOUDSDK_CORE_PROJECT or GOOGLE_CLOUD_PROJECT)');
}

function attestationSource(attestors: string | undefined, attestations: string | undefined, policy: PolicySource): AttestationSource {
  if (attestations === 'live') {
    if (attestors) throw new UserError('--attestors FILE cannot be combined with --attestations live (live mode fetches the attestors too)');
    return { from: 'live' };
  }
  if (attestors || attestations) return { from: 'files', attestorsFile: attestors ?? null, attestationsFile: attestations ?? null };
  return policy.from === 'live' ? { from: 'live' } : { from: 'none' };
}

function parseMirrors(values: readonly string[]): Map<string, string> {
  const mirrors = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    const host = value.slice(0, at).trim();
    const url = value.slice(at + 1).trim();
    if (at < 1 || !/^https?:\/\/[^\s]+$/.test(url)) throw new UserError(`--registry-mirror must be HOST=URL (e.g. gcr.io=https://mirror.example), not "${value}"`);
    mirrors.set(host, url);
  }
  return mirrors;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new UserError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

function parseWholeNumber(flag: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UserError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

function parseSize(text: string): number {
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(text.trim());
  if (!match) throw new UserError(`--max-file-size must be a size such as 4MB or 512KB, not "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1;
  return Number(match[1]) * factor;
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
    process.stderr.write(redactor.redact(`binauthz-gate: ${messageOf(error)}\n\n${USAGE}\n`));
    return 2;
  }
  if (command.kind === 'help') return print(`${USAGE}\n`, 0);
  if (command.kind === 'version') return print(`${VERSION}\n`, 0);
  if (command.kind === 'attest') {
    const report = redactor.redactValue(await runAttest(command.settings, createLiveServices(command.live, redactor).services, redactor));
    return print(command.format === 'json' ? `${JSON.stringify(attestJson(report), null, 2)}\n` : formatAttestText(report), attestExitCode(report));
  }
  const live = command.live ? createLiveServices(command.live, redactor) : null;
  const report = redactor.redactValue(await runCheck(command.settings, live?.services ?? null));
  if (command.format === 'json') {
    // Piece by piece (each redacted): a large report is never held again as one text.
    for (const piece of jsonChunks(report)) process.stdout.write(redactor.redact(piece));
    return print('\n', exitCode(report, command.failOn));
  }
  return print(formatReport(report, command.format, cwd), exitCode(report, command.failOn));
}

function formatReport(report: Report, format: CheckFormat, cwd: string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(report, { links: null, maxLength: Number.MAX_SAFE_INTEGER, overflowNote: '', marker: null });
    case 'sarif':
      return `${JSON.stringify(formatSarif(report, { name: 'binauthz-gate', version: VERSION, informationUri: 'https://github.com/binauthz-gate/binauthz-gate' }), null, 2)}\n`;
    case 'gitlab':
      // GitLab runs the job in the checkout: absolute paths are made relative to it.
      return `${JSON.stringify(formatGitlab(report, { root: cwd }), null, 2)}\n`;
    case 'text':
      return formatText(report);
  }
}

