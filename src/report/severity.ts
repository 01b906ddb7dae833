// How serious a verdict is, decided once for every output: annotations, SARIF, GitLab Code
// Quality and Markdown each derive their own words from this, so they cannot disagree on what
// is an error and what only a warning.
//   error    Cloud Run rejects the deploy, checks none of its images, or the gate could not decide;
//   warning  the deploy goes through but is logged: dry-run denial, breakglass;
//   note     nothing to act on.
import type { ContainerResult, WorkloadVerdict } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';

export type Severity = 'error' | 'warning' | 'note';

const VERDICT_SEVERITY: Record<WorkloadVerdict, Severity> = { pass: 'note', warn: 'warning', fail: 'error', error: 'error' };

/** The workload as a whole: its verdict already folds in its containers, enforcement and problems. */
export function workloadSeverity(workload: Pick<WorkloadResult, 'verdict'>): Severity {
  return VERDICT_SEVERITY[workload.verdict];
}

/** A denial is an error, except where the deploy goes through anyway: dry run, and breakglass (its own warning says why). */
export function containerSeverity(workload: Pick<WorkloadResult, 'enforcement'>, container: Pick<ContainerResult, 'decision'>): Severity {
  switch (container.decision) {
    case 'allow':
      return 'note';
    case 'dryrun-deny':
      return 'warning';
    case 'deny':
      return workload.enforcement === 'breakglass' ? 'warning' : 'error';
    case 'error':
      return 'error';
  }
}

/** The workload's own setting, apart from its images: not enforced fails it, breakglass warns. */
export function settingSeverity(workload: Pick<WorkloadResult, 'enforcement' | 'verdict'>): Severity {
  if (workload.enforcement === 'not-enforced' && workload.verdict === 'fail') return 'error';
  if (workload.enforcement === 'breakglass' && workload.verdict === 'warn') return 'warning';
  return 'note';
}

/** An error of the run (unreadable file, API failure): the gate could not decide. */
export const RUN_ERROR_SEVERITY = 'error' satisfies Severity;
