// Annotations at manifest file and line: errors for what fails or cannot be decided, warnings
// for dry-run denials and breakglass deploys. Text from manifests is stripped of control
// characters; @actions/core escapes the rest of the workflow-command syntax.
import type { Report } from '../report/report.ts';
import { clean } from '../report/format-text.ts';
import type { ActionIO } from './run.ts';

export function annotate(io: Pick<ActionIO, 'error' | 'warning'>, report: Report): void {
  for (const workload of report.workloads) {
    const where = (line: number) => ({ file: workload.file, startLine: line });
    const title = `${workload.kind} ${clean(workload.name)}`;
    if (workload.enforcement === 'not-enforced' && workload.verdict === 'fail') {
      io.error(clean(workload.summary), { ...where(workload.line), title });
    }
    for (const problem of workload.problems) io.error(clean(problem), { ...where(workload.line), title });
    for (const container of workload.containers) {
      const message = `${clean(container.name)} (${clean(container.image)}): ${container.decision} (${container.reason}): ${clean(container.detail)}`;
      const denied = container.decision === 'deny' || container.decision === 'error';
      if (denied && workload.enforcement !== 'breakglass') io.error(message, { ...where(container.line), title });
      else if (denied || container.decision === 'dryrun-deny') io.warning(message, { ...where(container.line), title });
    }
  }
  for (const error of report.errors) {
    io.error(clean(error.message), { ...(error.file ? { file: error.file } : {}), ...(error.line ? { startLine: error.line } : {}), title: 'binauthz-gate' });
  }
}
