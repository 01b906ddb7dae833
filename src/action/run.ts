// The GitHub Action, wired: inputs → which manifests → the same check (or attest step) as the
// CLI → outputs, job summary, annotations, sticky pull-request comment, and the step's exit.
// Everything the runner provides comes in through ActionIO and env, so tests can run it whole.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { runCheck } from '../run/check.ts';
import { policySourceOf, type CheckSettings, type PolicySource } from '../run/settings.ts';
import { runAttest, type AttestServices } from '../run/attest.ts';
import { createLiveServices, liveSettingsFrom } from '../run/live-services.ts';
import { defaultProject } from '../gcp/project.ts';
import { buildReport, exitCode, type Report } from '../report/report.ts';
import { attestExitCode, attestJson, describeOutcome } from '../report/format-attest.ts';
import { formatMarkdown, formatNoManifests } from '../report/format-markdown.ts';
import { readEvent, readEventFile } from '../github/event.ts';
import { listChangedFiles } from '../github/pull-request-files.ts';
import { COMMENT_MARKER, upsertStickyComment } from '../github/sticky-comment.ts';
import { boundedClient, defaultBounds, type GitHubClientLike } from '../github/rest.ts';
import { graphqlUrl, resolveTokenIdentity } from '../github/token-identity.ts';
import { readInputs, type ActionSettings } from './inputs.ts';
import { UserError } from '../errors.ts';
import { matchesManifestPatterns, scanWorkspace, type WorkspaceScan } from './select-manifests.ts';
import { annotate } from './annotations.ts';
import type { GitHubClient } from './github-client.ts';
import { redactingIO } from './redacting-io.ts';
import { redactorFor, type Redactor } from '../report/redact.ts';
import { defaultDeployedLoader, runDeployedCheck, runImpactReports, type DeployedLoader, type ImpactSettings } from '../run/impact.ts';
import { impactExitCode, type ImpactReport } from '../report/impact.ts';
import { formatImpactMarkdown, formatNotAdmittedAgain } from '../report/format-impact.ts';
import type { FailOn } from '../report/report.ts';
import type { LiveServices } from '../run/settings.ts';
import { clean } from '../report/format-text.ts';
import { readNamedFile } from '../run/named-files.ts';
import { isTerraformPlan } from '../terraform/plan.ts';

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
 * The action, from its inputs to its outputs.
 * - `cwd` stands in for GITHUB_WORKSPACE and RUNNER_TEMP when the runner does not set them;
 *   nothing else reads the process's folder.
 * - `redactor` is the run's one redaction point (main.ts shares it with its own catch): every
 *   writer of `io` goes through it, and the report is redacted field by field before it is
 *   formatted, written to a file or posted.
 * - `loadDeployed` lists what is deployed (`deployed_regions`); tests pass a stub.
 */
export async function runAction(
  rawIo: ActionIO,
  env: Env,
  cwd: string,
  redactor: Redactor = redactorFor(env),
  loadDeployed: DeployedLoader = defaultDeployedLoader,
): Promise<void> {
  const io = redactingIO(rawIo, redactor);
  const settings = readInputs((name) => io.getInput(name));
  // One deadline for the run: every GitHub call (retries included) ends by it, as the Google calls do.
  const deadline = Date.now() + settings.timeoutMs;
  for (const secret of [settings.githubToken, env['CLOUDSDK_AUTH_ACCESS_TOKEN']]) if (secret) io.setSecret(secret);
  const workspace = resolve(cwd, env['GITHUB_WORKSPACE'] ?? '.');
  const project = settings.projectId ?? defaultProject(env);
  const policy = policySourceOf(settings.policyFile, project, settings.policyAddress);
  const choices = { concurrency: settings.concurrency, timeoutMs: settings.timeoutMs, resolveTags: settings.resolveTags, mirrors: settings.mirrors };
  const services = () => createLiveServices(liveSettingsFrom(env, choices), redactor).services;
  if (settings.mode.kind === 'attest') return attest(io, env, settings, settings.mode, workspace, services(), redactor);
  if (!policy)
    throw new UserError(
      'Invalid project_id: none given and none exported by google-github-actions/auth. Expected project_id, or policy_file for a policy in the repository.',
    );
  // Without a project, a policy file is checked offline.
  const live = project ? services() : null;
  const event = readEvent(env, readEventFile);
  // The continuous validation Cloud Run lacks: what is deployed, against the policy in force.
  if (event.kind === 'full-scan' && SCHEDULED.has(event.eventName) && settings.deployedRegions) {
    if (!project || !live) throw new UserError('Invalid project_id: deployed_regions needs the project whose services and jobs to list.');
    return deployedCheck(io, env, settings, { project, regions: settings.deployedRegions }, workspace, live, loadDeployed, redactor);
  }
  const apiUrl = env['GITHUB_API_URL'] ?? 'https://api.github.com';
  const github = (): Comments => ({ client: boundedClient(io.github(settings.githubToken, apiUrl), defaultBounds(deadline)), graphql: graphqlUrl(apiUrl) });
  const scan = await manifestsToCheck(io, event, settings, workspace, () => github().client);
  if (scan.paths.length === 0 && scan.problems.length === 0 && event.kind === 'pull_request') {
    io.info('This pull request changes no Cloud Run manifest matching the `manifests` patterns.');
    io.setOutput('verdict', 'pass');
    await io.writeSummary(formatNoManifests(null));
    if (settings.comment) await comment(io, github(), event, formatNoManifests(COMMENT_MARKER), false);
    return;
  }
  // A pull request that changes the policy: what the change does to every manifest (and what is
  // deployed), against the policy in force (the live one). Without a project there is no base: the
  // new policy is checked alone.
  if (scan.policyChanged && project && live && event.kind === 'pull_request') {
    const impact: ImpactSettings = {
      ...checkSettings(settings, scan, workspace, policy, true),
      basePolicy: { from: 'live', project },
      deployed: settings.deployedRegions ? { project, regions: settings.deployedRegions } : null,
      failOnWeaken: false,
    };
    const reports = redactor.redactValue(await runImpactReports(impact, live, loadDeployed));
    // The manifests the pull request itself changes are still checked against the new policy: a
    // denied service it adds is denied under both policies ("unchanged"), and must not pass. Their
    // verdicts come from the impact's own evaluation: nothing is asked of Google twice.
    const own = scan.changedManifests;
    const checked = own && own.paths.length > 0 && reports.after ? onlyFiles(reports.after, own.paths) : null;
    return reportImpact(io, env, settings, event, reports.impact, checked, workspace, github, redactor);
  }
  const report = redactor.redactValue(await runCheck(checkSettings(settings, scan, workspace, policy, live !== null), live));
  const reportPath = writeReport(outputFolder(env, workspace), report, redactor);
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
  github: () => GitHubClientLike,
): Promise<ManifestSelection> {
  const workspaceScan = await scanWorkspace(workspace, settings.manifests);
  for (const pattern of workspaceScan.unmatched) io.warning(`The manifests pattern '${pattern}' matches no file in the workspace.`);
  if (event.kind === 'pull_request') {
    const changed = await listChangedFiles(github(), { owner: event.owner, repo: event.repo, pullNumber: event.number });
    // Checking only the files GitHub listed would pass whatever is among the rest.
    if (changed.truncated) {
      io.warning('The pull request changes more than 3,000 files, the most GitHub lists: checking every manifest that matches `manifests` (a full scan).');
      // The policy may be among the files GitHub did not list: its impact is reported as if it changed.
      return { ...workspaceScan, policyChanged: settings.policyFile !== null, changedManifests: workspaceScan };
    }
    const paths = changed.files.map((file) => file.path);
    const changedManifests = { paths: paths.filter((path) => matchesManifestPatterns(path, settings.manifests)), unmatched: [], skipped: [], problems: [] };
    // A new policy can change the verdict of every workload, changed or not. A Terraform plan is
    // written by an earlier step from the pull request's own Terraform, so it is never among the
    // changed files: it is always the proposed policy.
    const policyFile = settings.policyFile;
    if (policyFile && (paths.includes(normalize(policyFile).split(sep).join('/')) || (await isPlanFile(policyFile, workspace, settings.maxFileBytes)))) {
      io.info(`This pull request changes the policy ${policyFile}: checking every manifest that matches \`manifests\`.`);
      return { ...workspaceScan, policyChanged: true, changedManifests };
    }
    return { ...changedManifests, policyChanged: false, changedManifests };
  }
  if (event.kind === 'unsupported') io.warning(`Event ${event.eventName} is not a pull request: checking every file that matches \`manifests\`.`);
  return { ...workspaceScan, policyChanged: false, changedManifests: null };
}

/** The manifests to check, and whether the pull request changes the policy file. */
interface ManifestSelection extends WorkspaceScan {
  readonly policyChanged: boolean;
  /** On a pull request, the manifests it changes (every one when GitHub cannot list them all). */
  readonly changedManifests: WorkspaceScan | null;
}

/** Whether the policy file is a Terraform plan (`terraform show -json`), read as every named file is. */
async function isPlanFile(path: string, workspace: string, maxFileBytes: number): Promise<boolean> {
  const read = await readNamedFile(path, { workingFolder: workspace, maxFileBytes });
  if (!read.ok || !read.text.trimStart().startsWith('{')) return false;
  try {
    return isTerraformPlan(JSON.parse(read.text));
  } catch {
    return false;
  }
}

/** Events that are runs on a clock (or by hand), where `deployed_regions` checks what is deployed. */
const SCHEDULED: ReadonlySet<string> = new Set(['schedule', 'workflow_dispatch']);

/** The part of a report about these files (errors that name no file are the impact's, which reports them). */
function onlyFiles(report: Report, paths: readonly string[]): Report | null {
  const files = new Set(paths);
  const workloads = report.workloads.filter((w) => files.has(w.file));
  const errors = report.errors.filter((e) => e.file !== null && files.has(e.file));
  if (workloads.length === 0 && errors.length === 0) return null;
  return buildReport(
    report.policy,
    workloads,
    report.skipped.filter((s) => files.has(s.file)),
    errors,
  );
}

/** The impact of the pull request's policy change: report file, outputs, job summary, comment, and the step's exit. */
async function reportImpact(
  io: ActionIO,
  env: Env,
  settings: ActionSettings,
  event: Extract<ReturnType<typeof readEvent>, { kind: 'pull_request' }>,
  report: ImpactReport,
  checked: Report | null,
  workspace: string,
  github: () => Comments,
  redactor: Redactor,
): Promise<void> {
  const folder = outputFolder(env, workspace);
  const reportPath = writeJson(folder, 'binauthz-gate-impact.json', report, redactor);
  const checkPath = checked ? writeReport(folder, checked, redactor) : null;
  const checkCode = checked ? exitCode(checked, settings.failOn) : 0;
  const code = Math.max(impactExit(report, settings.failOn), checkCode);
  const verdicts: readonly string[] = [report.verdict, checked?.verdict ?? 'pass'];
  io.setOutput('verdict', verdicts.includes('error') ? 'error' : verdicts.includes('fail') ? 'fail' : 'pass');
  io.setOutput('report', reportPath);
  if (checked) annotate(io, checked);
  const links = pullLinks(env, event);
  // With the check of the pull request's own manifests below it, the impact takes half of each limit.
  const share = checked ? 2 : 1;
  const body = (marker: string | null, limit: number, note: string): string => {
    const impact = formatImpactMarkdown(report, marker, Math.floor(limit / share) - 100, note);
    if (!checked) return impact;
    return `${impact}\n#### The manifests this pull request changes, under the new policy\n\n${formatMarkdown(checked, { links, maxLength: Math.floor(limit / 2) - 100, overflowNote: note, marker: null })}`;
  };
  await io.writeSummary(body(null, SUMMARY_LIMIT, `the full reports are in ${reportPath}${checkPath ? ` and ${checkPath}` : ''}`));
  if (settings.comment) await comment(io, github(), event, redactor.redact(body(COMMENT_MARKER, COMMENT_LIMIT, 'the full report is in the job summary')), true);
  if (code !== 0) {
    const own = checked ? `; the manifests it changes: ${checked.verdict}` : '';
    io.setFailed(
      `binauthz-gate: the policy change's impact is ${report.verdict}: ${report.counts['newly-blocked']} workload(s) newly blocked${own} (fail_on: ${settings.failOn})`,
    );
  }
}

function pullLinks(
  env: Env,
  event: Extract<ReturnType<typeof readEvent>, { kind: 'pull_request' }>,
): { serverUrl: string; repository: string; sha: string } | null {
  const repository = env['GITHUB_REPOSITORY'];
  return repository ? { serverUrl: env['GITHUB_SERVER_URL'] ?? 'https://github.com', repository, sha: event.headSha } : null;
}

/** fail_on for an impact: never passes, error fails only on what could not be decided, fail and warn on a newly blocked workload too. */
function impactExit(report: ImpactReport, failOn: FailOn): number {
  if (failOn === 'never') return 0;
  const code = impactExitCode(report);
  return failOn === 'error' && code === 1 ? 0 : code;
}

/** The scheduled check of what is deployed against the live policy: report, outputs, job summary, annotations, exit per fail_on. */
async function deployedCheck(
  io: ActionIO,
  env: Env,
  settings: ActionSettings,
  deployed: { project: string; regions: readonly string[] },
  workspace: string,
  live: LiveServices,
  loadDeployed: DeployedLoader,
  redactor: Redactor,
): Promise<void> {
  const report = redactor.redactValue(
    await runDeployedCheck(
      {
        policy: { from: 'live', project: deployed.project },
        attestations: { from: 'live' },
        deployed,
        requireEnforcement: settings.requireEnforcement,
        reading: { workingFolder: workspace, maxFileBytes: settings.maxFileBytes },
      },
      live,
      loadDeployed,
    ),
  );
  const reportPath = writeReport(outputFolder(env, workspace), report, redactor);
  io.setOutput('verdict', report.verdict);
  io.setOutput('report', reportPath);
  const details = formatMarkdown(report, { links: null, maxLength: SUMMARY_LIMIT - 20_000, overflowNote: `the full report is in ${reportPath}`, marker: null });
  await io.writeSummary(formatNotAdmittedAgain(report, details));
  // Not at a file and line: a deployed workload lives in the project, not in the repository. At most 50: the summary has the rest.
  for (const w of report.workloads.filter((w) => w.verdict === 'fail').slice(0, 50)) {
    io.error(`${w.kind} ${clean(w.name)} would not be admitted again: ${clean(w.summary)}`.slice(0, 400), {
      title: `${w.kind} ${clean(w.name)}`.slice(0, 200),
    });
  }
  const code = exitCode(report, settings.failOn);
  if (code !== 0)
    io.setFailed(`binauthz-gate: what is deployed in ${deployed.project} is ${report.verdict} under the live policy (fail_on: ${settings.failOn})`);
}

function checkSettings(settings: ActionSettings, scan: WorkspaceScan, workspace: string, policy: PolicySource, live: boolean): CheckSettings {
  return {
    policy,
    attestations: live ? { from: 'live' } : { from: 'none' },
    paths: scan.paths,
    // Paths from GitHub or the scan: relative, confined to the workspace. A pull request whose
    // manifests hold no Cloud Run workload passes, and says so (unless allow_empty is false).
    files: { workingFolder: workspace, paths: 'listed' },
    allowEmpty: settings.allowEmpty,
    scanFindings: scan,
    requireEnforcement: settings.requireEnforcement,
    maxFileBytes: settings.maxFileBytes,
    builtImages: settings.mode.kind === 'check' ? settings.mode.builtImages : [],
  };
}

/** Attests exactly the images the workflow names (`images`, required): the workspace's manifests add none. */
async function attest(
  io: ActionIO,
  env: Env,
  settings: ActionSettings,
  mode: Extract<ActionSettings['mode'], { kind: 'attest' }>,
  workspace: string,
  live: AttestServices,
  redactor: Redactor,
): Promise<void> {
  const report = redactor.redactValue(
    await runAttest(
      {
        attestor: mode.attestor,
        signer: { kind: 'kms', keyVersion: mode.kmsKeyVersion },
        images: mode.images,
        fromManifests: null,
        project: settings.projectId,
        files: { workingFolder: workspace, paths: 'listed' },
        maxFileBytes: settings.maxFileBytes,
      },
      live,
      redactor,
    ),
  );
  const json = attestJson(report);
  io.setOutput('attestations', JSON.stringify(json.attestations));
  io.setOutput('report', writeJson(outputFolder(env, workspace), 'binauthz-gate-attestations.json', json, redactor));
  for (const a of report.attestations) io.info(`${describeOutcome(a)}: ${a.image} (${a.digest}) by ${a.attestor}: ${a.occurrence}`);
  for (const s of report.skipped) io.info(`skipped ${s.image}: ${s.reason}`);
  for (const f of report.failures) io.error(`${f.image ? `${f.image}: ` : ''}${f.message}`);
  const code = attestExitCode(report);
  io.setOutput('verdict', code === 0 ? 'pass' : 'fail');
  if (code !== 0) io.setFailed(`binauthz-gate: ${report.failures.length} image(s) could not be attested`);
}

/** The GitHub client for comments, and where its GraphQL endpoint is (to learn who the token is). */
interface Comments {
  readonly client: GitHubClientLike;
  readonly graphql: string;
}

async function comment(
  io: ActionIO,
  github: Comments,
  event: Extract<ReturnType<typeof readEvent>, { kind: 'pull_request' }>,
  body: string,
  createIfMissing: boolean,
): Promise<void> {
  const identity = await resolveTokenIdentity(github.client, github.graphql);
  if (identity.kind === 'unknown') {
    io.warning(`Could not tell which account the github_token writes as (${identity.why}): existing comments are left alone and a new one is written.`);
  }
  const result = await upsertStickyComment(github.client, { owner: event.owner, repo: event.repo, issueNumber: event.number }, COMMENT_MARKER, body, {
    createIfMissing,
    identity,
  });
  if (result.action === 'forbidden') {
    io.warning(`Could not comment on the pull request (${result.message}). Forks and read-only tokens cannot write comments; the job summary has the report.`);
    return;
  }
  if (result.foreign > 0)
    io.warning(
      `${result.foreign} comment(s) on the pull request carry the binauthz-gate marker but were not written by this token's account: left alone, never edited.`,
    );
  io.info(`Pull request comment: ${result.action}${result.url ? ` (${result.url})` : ''}`);
}

function writeReport(folder: string, report: Report, redactor: Redactor): string {
  return writeJson(folder, 'binauthz-gate-report.json', report, redactor);
}

/** Where report files go: the runner's temporary folder, else `.binauthz-gate` in the workspace (local runs). */
function outputFolder(env: Env, workspace: string): string {
  return env['RUNNER_TEMP'] ?? join(workspace, '.binauthz-gate');
}

function writeJson(folder: string, name: string, value: unknown, redactor: Redactor): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, redactor.redact(`${JSON.stringify(value, null, 2)}\n`));
  return path;
}
