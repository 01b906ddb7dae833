// The report for people at a terminal: one line per workload, and for those not passing what
// decided each container and how to fix it (`verbose`: every container of every workload). Text from manifests is stripped of control characters so a
// crafted image name cannot rewrite the terminal.
import type { ContainerResult, WorkloadVerdict } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { countVerdicts, type Report } from './report.ts';
import { noWorkloadLine } from './format-markdown.ts';
import { deployedWhere } from './deployed-origin.ts';

const ICON: Record<WorkloadVerdict, string> = { pass: '✅', warn: '⚠️ ', fail: '❌', error: '⛔' };
const CONTAINER_ICON: Record<ContainerResult['decision'], string> = { allow: '✅', 'dryrun-deny': '⚠️ ', deny: '❌', error: '⛔' };

export interface TextOptions {
  /** Every container of every workload, passing ones included, with its reason and the workload's summary. */
  readonly verbose: boolean;
}

export function formatText(report: Report, options: TextOptions = { verbose: false }): string {
  const lines = [policyLine(report)];
  for (const note of report.policy.notes) lines.push(`   note: ${clean(note.message)}${at(note.line)}`);
  lines.push('');
  for (const workload of report.workloads) lines.push(...(options.verbose ? workloadLines(workload) : compactLines(workload)));
  if (report.workloads.length === 0) lines.push(noWorkloadLine(report));
  if (report.skipped.length > 0) {
    lines.push('', `Skipped ${report.skipped.length} document(s) that are not Cloud Run Services or Jobs:`);
    for (const doc of report.skipped) lines.push(`   ${clean(doc.file)}:${doc.line}  ${clean(doc.kind)}: ${doc.why}`);
  }
  if (report.errors.length > 0) {
    lines.push('', `Errors (${report.errors.length}): the gate could not decide, and fails closed:`);
    for (const error of report.errors) lines.push(`   ⛔ ${clean(error.file ?? '')}${error.line ? `:${error.line}` : ''}  ${clean(error.message)}`);
  }
  lines.push('', resultLine(report));
  return `${lines.join('\n')}\n`;
}

function policyLine(report: Report): string {
  const policy = report.policy;
  const etag = policy.etag ? ` (etag ${clean(policy.etag)})` : '';
  const rule = policy.defaultRule ? `: default rule ${policy.defaultRule}` : ': not usable';
  return `Policy ${clean(policy.source)}${etag}${rule}`;
}

function headLine(workload: WorkloadResult): string {
  // A deployed workload has no file and line: its resource name, region and what runs now instead.
  const where = workload.deployed
    ? `${clean(workload.deployed.resource)}, ${clean(deployedWhere(workload.kind, workload.deployed))}`
    : `${clean(workload.file)}:${workload.line}`;
  return `${ICON[workload.verdict]} ${workload.kind} ${clean(workload.name)}  ${workload.verdict.toUpperCase()}  (${where}, ${workload.enforcement})`;
}

/** One line for a passing workload; for the others, the containers that are not allowed and why. */
function compactLines(workload: WorkloadResult): string[] {
  if (workload.verdict === 'pass' && workload.problems.length === 0) return [headLine(workload)];
  const lines = [headLine(workload), `   ${clean(workload.summary)}`];
  for (const container of workload.containers) {
    if (container.decision === 'allow') continue;
    lines.push(`   ${CONTAINER_ICON[container.decision]} ${clean(container.name)}: ${clean(container.image)}  (line ${container.line})`);
    lines.push(`      ${container.decision} (${container.reason}): ${clean(container.detail)}`);
  }
  for (const problem of workload.problems) lines.push(`   ⛔ ${clean(problem)}`);
  for (const note of workload.notes) lines.push(`   note: ${clean(note)}`);
  return lines;
}

function workloadLines(workload: WorkloadResult): string[] {
  const lines = [headLine(workload), `   ${clean(workload.summary)}`];
  const showAll = workload.verdict !== 'pass';
  for (const container of workload.containers) {
    if (!showAll && container.decision === 'allow') {
      lines.push(`   ${CONTAINER_ICON.allow} ${clean(container.name)}: ${clean(container.image)}  ${container.reason}`);
      continue;
    }
    lines.push(
      `   ${CONTAINER_ICON[container.decision]} ${clean(container.name)}: ${clean(container.image)}${workload.deployed ? '' : `  (line ${container.line})`}`,
    );
    lines.push(`      ${container.decision} (${container.reason}): ${clean(container.detail)}`);
  }
  for (const problem of workload.problems) lines.push(`   ⛔ ${clean(problem)}`);
  for (const note of workload.notes) lines.push(`   note: ${clean(note)}`);
  return lines;
}

function resultLine(report: Report): string {
  const counts = countVerdicts(report.workloads);
  const parts = [`${counts.pass} pass`, `${counts.warn} warn`, `${counts.fail} fail`, `${counts.error} error`];
  const extra = report.errors.length > 0 ? `, ${report.errors.length} error(s) outside workloads` : '';
  return `Result: ${report.verdict.toUpperCase()}: ${report.workloads.length} workload(s): ${parts.join(', ')}${extra}`;
}

function at(line: number | null): string {
  return line ? ` (line ${line})` : '';
}

/** Drops C0/C1 control characters (escape sequences included) from untrusted text. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '�');
}
