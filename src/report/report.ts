// The report every front end prints: the JSON contract of shared/conformance/README.md, plus
// what a person needs to act on it (skipped documents, policy notes, a summary per workload).
import type { RunVerdict, WorkloadVerdict } from '../policy/decision.ts';
export type { Fix } from '../policy/fix.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import type { Policy } from '../policy/policy.ts';
import type { SkippedDocument } from '../manifests/workload.ts';

export interface ReportError {
  readonly file: string | null;
  readonly line: number | null;
  readonly message: string;
}

export interface PolicySummary {
  readonly source: string;
  readonly etag: string | null;
  readonly name: string | null;
  readonly defaultRule: string | null;
  readonly notes: readonly { readonly field: string; readonly line: number | null; readonly message: string }[];
}

export interface Report {
  readonly verdict: RunVerdict;
  readonly policy: PolicySummary;
  readonly workloads: readonly WorkloadResult[];
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

export function buildReport(
  policy: PolicySummary,
  workloads: readonly WorkloadResult[],
  skipped: readonly SkippedDocument[],
  errors: readonly ReportError[],
): Report {
  return { verdict: runVerdict(workloads, errors), policy, workloads, skipped, errors };
}

/**
 * error if anything could not be decided, else fail if any workload fails, else pass (warnings pass). A
 * container in error keeps the run in error (exit 2) even when its workload already fails for not asking
 * Cloud Run to enforce: the fix for enforcement is there, but that image was still not checked.
 */
export function runVerdict(workloads: readonly WorkloadResult[], errors: readonly ReportError[]): RunVerdict {
  const undecided = (w: WorkloadResult) => w.verdict === 'error' || w.containers.some((c) => c.decision === 'error');
  if (errors.length > 0 || workloads.some(undecided)) return 'error';
  return workloads.some((w) => w.verdict === 'fail') ? 'fail' : 'pass';
}

export function summarizePolicy(policy: Policy): PolicySummary {
  const rule = policy.defaultRule;
  const attestors = rule.evaluationMode === 'REQUIRE_ATTESTATION' ? ` by ${rule.requireAttestationsBy.join(', ')}` : '';
  return {
    source: policy.source,
    etag: policy.etag,
    name: policy.name,
    defaultRule: `${rule.evaluationMode}${attestors} (${rule.enforcementMode})`,
    notes: policy.notes,
  };
}

export type FailOn = 'never' | 'error' | 'fail' | 'warn';

/** Exit status: 0 pass, 1 fail, 2 could not decide; `failOn` says from which level the run fails. */
export function exitCode(report: Report, failOn: FailOn): 0 | 1 | 2 {
  if (failOn === 'never') return 0;
  if (report.verdict === 'error') return 2;
  if (failOn === 'error') return 0;
  if (report.verdict === 'fail') return 1;
  const warned = report.workloads.some((w) => w.verdict === 'warn');
  return failOn === 'warn' && warned ? 1 : 0;
}

export function countVerdicts(workloads: readonly WorkloadResult[]): Record<WorkloadVerdict, number> {
  const counts: Record<WorkloadVerdict, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  for (const workload of workloads) counts[workload.verdict]++;
  return counts;
}
