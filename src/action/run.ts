// The GitHub Action, wired: inputs → which manifests → the same check (or attest step) as the
// CLI → outputs, job summary, annotations, sticky pull-request comment, and the step's exit.
// Everything the runner provides comes in through ActionIO and env, so tests can run it whole.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { policySourceOf, runCheck, type CheckSettings, type LiveServices, type PolicySource } from '../check.ts';
import { runAttest } from '../attest.ts';
import { createLiveServices, liveSettingsFrom } from '../live-services.ts';
import { defaultProject } from '../gcp/project.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../files/manifest-files.ts';
import { exitCode, type Report } from '../report/report.ts';
import { attestExitCode, attestJson } from '../report/format-attest.ts';
import { formatMarkdown, formatNoManifests } from '../report/format-markdown.ts';
import { readEvent } from '../github/event.ts';
import { listChangedFiles } from '../github/pull-request-files.ts';
import { COMMENT_MARKER, upsertStickyComment } from '../github/sticky-comment.ts';
import { InputError, readInputs, type ActionSettings } from './inputs.ts';
import { matchesManifestPatterns, scanWorkspace } from './select-manifests.ts';
import { annotate } from './annotations.ts';
import type { GitHubClient } from './github-client.ts';
import { redactingIO } from './redacting-io.ts';
import { redactorFor, type Redactor } from '../report/redact.ts';

export interface ActionIO {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setSecret(secret: string): void;
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  writeSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
  github(token: string, baseUrl: string): GitHubClient;
}

export interface AnnotationProperties {
  readonly title?: string;
  readonly file?: string;
  readonly startLine?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const COMMENT_LIMIT = 65_536;
const SUMMARY_LIMIT = 1_000_000;

/**
 * `redactor` is the run's one redaction point (main.ts shares it with its own catch): every
 * writer of `io` goes through it, and the report is redacted field by field before it is
 * formatted, written to a file or posted.
 */
export async function runAction(rawIo: ActionIO, env: Env, redactor: Redactor = redactorFor(env)): Promise<void> {
  const io = redactingIO(rawIo, redactor);
  const settings = readInputs((name) => io.getInput(name));
  for (const secret of [settings.githubToken, env['CLOUDSDK_AUTH_ACCESS_TOKEN']]) if (secret) io.setSecret(secret);
  const workspace = resolve(env['GITHUB_WORKSPACE'] ?? process.cwd());
  process.chdir(workspace);
  const project = settings.projectId ?? defaultProject(env);
  const policy = policySourceOf(settings.policyFile, project);
  const services = () => createLiveServices(liveSettingsFrom(env, { concurrency: 8, timeoutMs: 60_000, resolveTags: settings.resolveTags, mirrors: new Map() }), redactor).services;
  if (settings.mode.kind === 'attest') return attest(io, env, settings, workspace, policy, services(), redactor);
  if (!policy) throw new InputError('Invalid project_id: none given and none exported by google-github-actions/auth. Expected project_id, or policy_file for a policy in the repository.');
  // Without a project, a policy file is checked offline.
  const live = project ? services() : null;
  const event = readEvent(env, (path) => readFileSync(path, 'utf8'));
  const apiUrl = env['GITHUB_API_URL'] ?? 'https://api.github.com';
  const github = () => io.github(settings.githubToken, apiUrl);
  const paths = await manifestsToCheck(io, event, settings, workspace, github);
  if (paths.length === 0 && event.kind === 'pull_request') {
    io.info('This pull request changes no Cloud Run manifest matching the `manifests` patterns.');
    io.setOutput('verdict', 'pass');
    await io.writeSummary(formatNoManifests(null));
    if (settings.comment) await comment(io, github(), event, formatNoManifests(COMMENT_MARKER), false);
    return;
  }
  const report = redactor.redactValue(await runCheck(checkSettings(settings, paths, policy, live !== null), live));
  const reportPath = writeReport(env, report, redactor);
  io.setOutput('verdict', report.verdict);
  io.setOutput('report', reportPath);
  annotate(io, report);
  const repository = env['GITHUB_REPOSITORY'];
  const sha = event.kind === 'pull_request' ? event.headSha : env['GITHUB_SHA'];
  const links = repository && sha ? { serverUrl: env['GITHUB_SERVER_URL'] ?? 'https://github.com', repository, sha } : null;
  await io.writeSummary(formatMarkdown(report, { links, maxLength: SUMMARY_LIMIT, overflowNote: `the full report is in ${reportPath}`, marker: null }));
  if (settings.comment && event.kind === 'pull_request') {
    const body = formatMarkdown(report, { links, maxLength: COMMENT_LIMIT, overflowNote: 'the full report is in the job summary', marker: COMMENT_MARKER });
    await comment(io, github(), event, redactor.redact(body), true);
  }
  const code = exitCode(report, settings.failOn);
  if (code !== 0) io.setFailed(`binauthz-gate: the verdict is ${report.verdict} (fail_on: ${settings.failOn})`);
}

async function manifestsToCheck(
  io: ActionIO,
  event: ReturnType<typeof readEvent>,
  settings: ActionSettings,
  workspace: string,
  github: () => GitHubClient,
): Promise<string[]> {
  if (event.kind === 'pull_request') {
    const changed = await listChangedFiles(github(), { owner: event.owner, repo: event.repo, pullNumber: event.number });
    if (changed.truncated) io.warning('The pull request changes more than 3,000 files, the most GitHub lists: only the first 3,000 were considered.');
    const paths = changed.files.map((file) => file.path);
    // A new policy can change the verdict of every workload, changed or not.
    if (settings.policyFile && paths.includes(normalize(settings.policyFile).split(sep).join('/'))) {
      io.info(`This pull request changes the policy ${settings.policyFile}: checking every manifest that matches \`manifests\`.`);
      return scanWorkspace(workspace, settings.manifests);
    }
    return paths.filter((path) => matchesManifestPatterns(path, settings.manifests));
  }
  if (event.kind === 'unsupported') io.warning(`Event ${event.eventName} is not a pull request: checking every file that matches \`manifests\`.`);
  return scanWorkspace(workspace, settings.manifests);
}

function checkSettings(settings: ActionSettings, paths: readonly string[], policy: PolicySource, live: boolean): CheckSettings {
  return {
    policy,
    attestations: live ? { from: 'live' } : { from: 'none' },
    paths,
    requireEnforcement: settings.requireEnforcement,
    maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    builtImages: settings.mode.kind === 'check' ? settings.mode.builtImages : [],
  };
}

async function attest(io: ActionIO, env: Env, settings: ActionSettings, workspace: string, policy: PolicySource | null, live: LiveServices, redactor: Redactor): Promise<void> {
  if (settings.mode.kind !== 'attest') return;
  const mode = settings.mode;
  const fromManifests = mode.images.length === 0 ? scanWorkspace(workspace, settings.manifests) : [];
  if (fromManifests.length > 0 && !policy) throw new InputError('Invalid project_id: attesting from manifests needs the policy (project_id or policy_file).');
  const report = redactor.redactValue(await runAttest(
    {
      attestor: mode.attestor,
      signer: { kind: 'kms', keyVersion: mode.kmsKeyVersion },
      images: mode.images,
      fromManifests: fromManifests.length > 0 && policy ? { paths: fromManifests, policy } : null,
      project: settings.projectId,
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    },
    live,
    redactor,
  ));
  const json = attestJson(report);
  io.setOutput('attestations', JSON.stringify(json.attestations));
  io.setOutput('report', writeJson(env, 'binauthz-gate-attestations.json', json, redactor));
  for (const a of report.attestations) io.info(`${a.created ? 'created' : 'already attested'}: ${a.image} (${a.digest}) by ${a.attestor}: ${a.occurrence}`);
  for (const s of report.skipped) io.info(`skipped ${s.image}: ${s.reason}`);
  for (const f of report.failures) io.error(`${f.image ? `${f.image}: ` : ''}${f.message}`);
  const code = attestExitCode(report);
  io.setOutput('verdict', code === 0 ? 'pass' : 'fail');
  if (code !== 0) io.setFailed(`binauthz-gate: ${report.failures.length} image(s) could not be attested`);
}

async function comment(io: ActionIO, github: GitHubClient, event: Extract<ReturnType<typeof readEvent>, { kind: 'pull_request' }>, body: string, createIfMissing: boolean): Promise<void> {
  const result = await upsertStickyComment(github, { owner: event.owner, repo: event.repo, issueNumber: event.number }, COMMENT_MARKER, body, { createIfMissing });
  if (result.action === 'forbidden') {
    io.warning(`Could not comment on the pull request (${result.message}). Forks and read-only tokens cannot write comments; the job summary has the report.`);
  } else {
    io.info(`Pull request comment: ${result.action}${result.url ? ` (${result.url})` : ''}`);
  }
}

function writeReport(env: Env, report: Report, redactor: Redactor): string {
  return writeJson(env, 'binauthz-gate-report.json', report, redactor);
}

function writeJson(env: Env, name: string, value: unknown, redactor: Redactor): string {
  const folder = env['RUNNER_TEMP'] ?? join(process.cwd(), '.binauthz-gate');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, redactor.redact(`${JSON.stringify(value, null, 2)}\n`));
  return path;
}
