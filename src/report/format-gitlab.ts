// The report as a GitLab Code Quality report (artifacts:reports:codequality): a JSON array of
// issues, one per thing to fix, at the manifest line that needs the fix, in GitLab's documented
// fields (description, check_name, fingerprint, severity, location.path, location.lines.begin).
// Passing containers produce nothing, so a run with nothing to fix is `[]`.
//
// Severity (GitLab: info < minor < major < critical < blocker), from the shared one (severity.ts):
//   critical  an error: Cloud Run rejects the deploy (deny), or checks none of its images (not enforced);
//   major     an error where the gate could not decide (unresolved tag, invalid image or input, API
//             failure): it fails closed, the job fails as it does for a denial;
//   minor     a warning: the deploy goes through but is logged: dry-run denial, breakglass.
// The job's verdict is the CLI's exit code, not the severity; severity orders the widget.
//
// Fingerprints say what an issue is about (check, file, workload, container, image), never
// where it is or when it ran, so GitLab matches the same issue across runs and across commits
// that move lines, and an issue fixed in a merge request shows as resolved.
import { createHash } from 'node:crypto';
import { posix, win32 } from 'node:path';
import type { ContainerResult } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { clean } from './format-text.ts';
import type { Report, ReportError } from './report.ts';
import { containerSeverity, RUN_ERROR_SEVERITY, settingSeverity, type Severity } from './severity.ts';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeQualityIssue {
  readonly description: string;
  readonly check_name: string;
  readonly fingerprint: string;
  readonly severity: CodeQualitySeverity;
  readonly location: { readonly path: string; readonly lines: { readonly begin: number } };
}

export interface GitlabOptions {
  /** The repository root (the CLI passes its working folder, the checkout in a GitLab job): absolute report paths are made relative to it. */
  readonly root: string;
}

/**
 * Where an issue that has no file in the repository is shown: an API failure, or a file given
 * outside the checkout. The job's configuration is where the run is set up, and GitLab needs a path.
 */
export const UNLOCATED_PATH = '.gitlab-ci.yml';

const WINDOWS_ABSOLUTE = /^[A-Za-z]:\//;

/** Descriptions are bounded whatever the manifests hold. */
const MAX_DESCRIPTION = 2000;

interface Finding {
  readonly check: string;
  readonly severity: CodeQualitySeverity;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  /** What the finding is about, independent of its line and of the run. */
  readonly identity: readonly string[];
}

export function formatGitlab(report: Report, options: GitlabOptions): CodeQualityIssue[] {
  const findings = [...report.workloads.flatMap(workloadFindings), ...report.errors.map(errorFinding)];
  const seen = new Map<string, number>();
  return findings.map((finding) => {
    const path = finding.file === null ? null : repositoryPath(finding.file, options.root);
    const key = JSON.stringify([finding.check, path ?? finding.file ?? '', ...finding.identity]);
    // Two findings about the same thing (the same error twice in one file) still need their own
    // fingerprint, or GitLab shows only the first; the n-th repeat is numbered, in report order.
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    return issueOf(finding, path, fingerprint(repeat === 0 ? key : `${key}#${repeat}`));
  });
}

function issueOf(finding: Finding, path: string | null, fingerprint: string): CodeQualityIssue {
  // A file GitLab cannot show keeps its name and line in the text.
  const where = path === null && finding.file !== null ? `${finding.file}${finding.line !== null ? `:${finding.line}` : ''}: ` : '';
  return {
    description: bounded(clean(`${where}${finding.message}`)),
    check_name: finding.check,
    fingerprint,
    severity: finding.severity,
    location: { path: path ?? UNLOCATED_PATH, lines: { begin: path === null ? 1 : lineOf(finding.line) } },
  };
}

/** A deployed workload is no file of the repository: named by its resource, shown at the unlocated path. */
function subjectOf(workload: WorkloadResult): string {
  return workload.deployed ? `${workload.kind} ${workload.deployed.resource}` : `${workload.kind} ${workload.name}`;
}

function workloadFindings(workload: WorkloadResult): Finding[] {
  const subject = subjectOf(workload);
  const identity = [workload.kind, workload.deployed?.resource ?? workload.name];
  const at = { file: workload.deployed ? null : workload.file, line: workload.deployed ? null : workload.line, identity };
  const findings: Finding[] = [];
  const setting = settingSeverity(workload);
  if (setting !== 'note') {
    const check = workload.enforcement === 'breakglass' ? 'binauthz/breakglass' : 'binauthz/not-enforced';
    findings.push({ check, severity: codeQualitySeverity(setting, false), message: `${subject}: ${workload.summary}`, ...at });
  }
  for (const container of workload.containers) {
    if (container.decision !== 'allow') findings.push(containerFinding(workload, container));
  }
  return findings;
}

/** A container result the enforcer does not simply allow. */
type Flagged = Exclude<ContainerResult, { readonly decision: 'allow' }>;

function containerFinding(workload: WorkloadResult, container: Flagged): Finding {
  const image = container.image === '' ? '' : ` (${container.image})`;
  return {
    check: `binauthz/${container.reason}`,
    severity: codeQualitySeverity(containerSeverity(workload, container), container.decision === 'error'),
    message: `${subjectOf(workload)}, container ${container.name}${image}: ${container.decision} (${container.reason}): ${container.detail}`,
    file: workload.deployed ? null : workload.file,
    line: workload.deployed ? null : container.line,
    identity: [workload.kind, workload.deployed?.resource ?? workload.name, container.name, container.image],
  };
}

/** GitLab has more words than the shared severity: among errors, "could not decide" ranks below a denial. */
function codeQualitySeverity(severity: Severity, undecided: boolean): CodeQualitySeverity {
  if (severity === 'note') return 'info';
  if (severity === 'warning') return 'minor';
  return undecided ? 'major' : 'critical';
}

function errorFinding(error: ReportError): Finding {
  // Messages may carry line numbers ("line 12: ..."); the identity must not move with them.
  return {
    check: 'binauthz/invalid-input',
    severity: codeQualitySeverity(RUN_ERROR_SEVERITY, true),
    message: error.message,
    file: error.file,
    line: error.line,
    identity: [error.message.replace(/\d+/g, '#')],
  };
}

/**
 * The path GitLab wants: relative to the repository root, forward slashes, no `./` or `..`;
 * null when the file is not inside the root (or names no file).
 */
export function repositoryPath(file: string, root: string): string | null {
  const relativePath = relativeToRoot(file.replace(/\\/g, '/'), root.replace(/\\/g, '/'));
  if (relativePath === null) return null;
  const normal = posix.normalize(relativePath);
  if (normal === '.' || normal === '..' || normal.startsWith('../') || normal.startsWith('/') || WINDOWS_ABSOLUTE.test(normal)) return null;
  return normal;
}

/** Relative paths are already relative to the checkout; absolute ones are taken relative to an absolute root of the same kind. */
function relativeToRoot(file: string, root: string): string | null {
  // Both sides absolute, so neither relative() falls back on the process's working folder.
  if (WINDOWS_ABSOLUTE.test(file)) return WINDOWS_ABSOLUTE.test(root) ? win32.relative(root, file).replace(/\\/g, '/') : null;
  if (file.startsWith('/')) return root.startsWith('/') ? posix.relative(root, file) : null;
  return file;
}

function lineOf(line: number | null): number {
  return line !== null && Number.isInteger(line) && line >= 1 ? line : 1;
}

function bounded(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}

function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
