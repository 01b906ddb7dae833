// The impact of a policy change: one workload set evaluated under the policy in force and the
// proposed one, set side by side. Each workload gets its two verdicts and what changes for it;
// the policy gets its changed fields and their effect. Pure: the run builds both reports.
import type { WorkloadVerdict } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import type { PolicyChange } from '../policy/policy-diff.ts';
import type { SkippedDocument } from '../manifests/workload.ts';
import type { PolicySummary, Report, ReportError } from './report.ts';
import { Bug } from '../errors.ts';

/**
 * - `newly-blocked`: pass or warn before, fail after (the next deploy or execution is refused);
 * - `newly-admitted`: fail before, pass or warn after;
 * - `newly-undecidable`: decided before, error after;
 * - `newly-decidable`: error before, decided after;
 * - `verdict-changed`: pass and warn swapped (a dry-run denial appears or goes; nothing is blocked);
 * - `unchanged`.
 */
export type WorkloadChange = 'newly-blocked' | 'newly-admitted' | 'newly-undecidable' | 'newly-decidable' | 'verdict-changed' | 'unchanged';

export interface WorkloadImpact {
  readonly kind: WorkloadResult['kind'];
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly before: WorkloadVerdict;
  readonly after: WorkloadVerdict;
  readonly change: WorkloadChange;
  /** What the proposed policy says about this workload (the after report's summary). */
  readonly summary: string;
}

export type ImpactVerdict = 'pass' | 'fail' | 'error';

export interface ImpactReport {
  readonly verdict: ImpactVerdict;
  readonly before: PolicySummary;
  readonly after: PolicySummary;
  readonly policyChanges: readonly PolicyChange[];
  readonly workloads: readonly WorkloadImpact[];
  readonly counts: Readonly<Record<WorkloadChange, number>>;
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

export interface ImpactOptions {
  /** `--fail-on-weaken`: a weakening change fails the run even when no workload is newly blocked. */
  readonly failOnWeaken: boolean;
}

export function classifyChange(before: WorkloadVerdict, after: WorkloadVerdict): WorkloadChange {
  if (before === after) return 'unchanged';
  if (after === 'error') return 'newly-undecidable';
  if (before === 'error') return 'newly-decidable';
  if (after === 'fail') return 'newly-blocked';
  if (before === 'fail') return 'newly-admitted';
  return 'verdict-changed';
}

/** Both reports come from the same workloads in the same order (one evaluation per policy). */
export function buildImpact(before: Report, after: Report, policyChanges: readonly PolicyChange[], options: ImpactOptions): ImpactReport {
  if (before.workloads.length !== after.workloads.length) throw new Bug('impact: the two evaluations did not see the same workloads');
  const workloads = after.workloads.map((result, index): WorkloadImpact => {
    const previous = before.workloads[index] as WorkloadResult;
    if (previous.name !== result.name || previous.file !== result.file || previous.kind !== result.kind) {
      throw new Bug('impact: the two evaluations did not see the workloads in the same order');
    }
    return {
      kind: result.kind,
      name: result.name,
      file: result.file,
      line: result.line,
      before: previous.verdict,
      after: result.verdict,
      change: classifyChange(previous.verdict, result.verdict),
      summary: result.summary,
    };
  });
  const counts = countChanges(workloads);
  const errors = uniqueErrors([...before.errors, ...after.errors]);
  return {
    verdict: impactVerdict(workloads, policyChanges, errors, options),
    before: before.policy,
    after: after.policy,
    policyChanges,
    workloads,
    counts,
    skipped: after.skipped,
    errors,
  };
}

function impactVerdict(
  workloads: readonly WorkloadImpact[],
  changes: readonly PolicyChange[],
  errors: readonly ReportError[],
  options: ImpactOptions,
): ImpactVerdict {
  if (errors.length > 0 || workloads.some((w) => w.after === 'error')) return 'error';
  if (workloads.some((w) => w.change === 'newly-blocked')) return 'fail';
  if (options.failOnWeaken && changes.some((c) => c.effect === 'weakens')) return 'fail';
  return 'pass';
}

/** Exit status: 0 nothing newly blocked (nor weakened under --fail-on-weaken), 1 otherwise, 2 when something could not be decided. */
export function impactExitCode(report: ImpactReport): 0 | 1 | 2 {
  return report.verdict === 'error' ? 2 : report.verdict === 'fail' ? 1 : 0;
}

const CHANGES: readonly WorkloadChange[] = ['newly-blocked', 'newly-admitted', 'newly-undecidable', 'newly-decidable', 'verdict-changed', 'unchanged'];

function countChanges(workloads: readonly WorkloadImpact[]): Record<WorkloadChange, number> {
  const counts = Object.fromEntries(CHANGES.map((change) => [change, 0])) as Record<WorkloadChange, number>;
  for (const workload of workloads) counts[workload.change]++;
  return counts;
}

/** Manifest errors appear in both evaluations; each is reported once. */
function uniqueErrors(errors: readonly ReportError[]): ReportError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.file ?? ''}\u0000${error.line ?? ''}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
