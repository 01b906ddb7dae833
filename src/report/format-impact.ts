// The impact report for people: text for a terminal, Markdown for the pull-request comment and
// the job summary. What a workload or policy says is untrusted and goes through the same
// escaping as the check's report.
import type { PolicyChange, PolicyEffect } from '../policy/policy-diff.ts';
import { escapeMarkdown } from './format-markdown.ts';
import { clean } from './format-text.ts';
import type { ImpactReport, WorkloadChange, WorkloadImpact } from './impact.ts';
import type { Report } from './report.ts';

const EFFECT_ICON: Record<PolicyEffect, string> = { weakens: '🔓', tightens: '🔒', neutral: '·' };
const CHANGE_ICON: Record<WorkloadChange, string> = {
  'newly-blocked': '❌',
  'newly-admitted': '🔓',
  'newly-undecidable': '⛔',
  'newly-decidable': '✅',
  'verdict-changed': '⚠️',
  unchanged: '·',
};
/** The changes a reviewer must see first. */
const ORDER: readonly WorkloadChange[] = ['newly-blocked', 'newly-undecidable', 'newly-admitted', 'verdict-changed', 'newly-decidable', 'unchanged'];

export function formatImpactText(report: ImpactReport): string {
  const lines = [`Policy change: ${clean(report.before.source)} -> ${clean(report.after.source)}`];
  if (report.policyChanges.length === 0) lines.push('   the two policies are the same where Cloud Run looks');
  for (const change of report.policyChanges) lines.push(`   ${EFFECT_ICON[change.effect]} ${change.effect}: ${describeChange(change, clean)}: ${change.why}`);
  lines.push('');
  for (const workload of sorted(report.workloads)) {
    if (workload.change === 'unchanged') continue;
    lines.push(
      `${CHANGE_ICON[workload.change]} ${workload.kind} ${clean(workload.name)}  ${workload.before} -> ${workload.after}  ${workload.change}  (${clean(workload.file)}:${workload.line})`,
    );
    lines.push(`   ${clean(workload.summary)}`);
  }
  const unchanged = report.counts.unchanged;
  if (unchanged > 0) lines.push(`${unchanged} workload(s) unchanged.`);
  if (report.workloads.length === 0) lines.push('No Cloud Run Service or Job was evaluated.');
  if (report.errors.length > 0) {
    lines.push('', `Errors (${report.errors.length}): the gate could not decide, and fails closed:`);
    for (const error of report.errors) lines.push(`   ⛔ ${clean(error.file ?? '')}${error.line ? `:${error.line}` : ''}  ${clean(error.message)}`);
  }
  lines.push('', `Impact: ${report.verdict.toUpperCase()}: ${countLine(report)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `maxLength` bounds the body (GitHub's comment limit is 65,536 characters): past it, whole lines
 * are dropped from the end and a last line points to `overflowNote` (plain text, escaped).
 */
export function formatImpactMarkdown(report: ImpactReport, marker: string | null, maxLength = Number.MAX_SAFE_INTEGER, overflowNote = ''): string {
  return bounded(impactLines(report, marker), maxLength, overflowNote);
}

function impactLines(report: ImpactReport, marker: string | null): string[] {
  const lines = [...(marker === null ? [] : [marker]), `### ${titleOf(report)}`, '', countLine(report), ''];
  lines.push('#### Policy changes', '');
  if (report.policyChanges.length === 0) lines.push('None where Cloud Run looks.');
  else {
    lines.push('| effect | field | change | what it does |', '|---|---|---|---|');
    for (const change of report.policyChanges) {
      lines.push(
        `| ${EFFECT_ICON[change.effect]} ${change.effect} | ${escapeMarkdown(change.field)} | ${describeChange(change, escapeMarkdown)} | ${escapeMarkdown(change.why)} |`,
      );
    }
  }
  const changed = sorted(report.workloads).filter((w) => w.change !== 'unchanged');
  lines.push('', '#### Workloads', '');
  if (changed.length === 0) lines.push(`No verdict changes (${report.counts.unchanged} workload(s) unchanged).`);
  else {
    lines.push('| change | workload | before | after | where |', '|---|---|---|---|---|');
    for (const w of changed) {
      lines.push(
        `| ${CHANGE_ICON[w.change]} ${w.change} | ${w.kind} ${escapeMarkdown(w.name)} | ${w.before} | ${w.after} | ${escapeMarkdown(`${w.file}:${w.line}`)} |`,
      );
    }
  }
  if (report.errors.length > 0) {
    lines.push('', `#### ⛔ Errors (${report.errors.length})`, '');
    for (const error of report.errors)
      lines.push(`- ${escapeMarkdown(`${error.file ?? ''}${error.line ? `:${error.line}` : ''}`)} ${escapeMarkdown(error.message)}`);
  }
  return lines;
}

function bounded(lines: readonly string[], maxLength: number, overflowNote: string): string {
  const whole = `${lines.join('\n')}\n`;
  if (whole.length <= maxLength) return whole;
  const note = `\n… cut here: ${escapeMarkdown(overflowNote)}\n`;
  const kept: string[] = [];
  let length = note.length;
  for (const line of lines) {
    if (length + line.length + 1 > maxLength) break;
    kept.push(line);
    length += line.length + 1;
  }
  return `${kept.join('\n')}${note}`;
}

/** Refused workloads listed one by one above the report: the job summary budgets this part at under 20 kB. */
const MAX_NOT_ADMITTED_LINES = 50;

/**
 * The scheduled check of what is deployed: first what would not be admitted again (its next
 * deploy or execution is refused, or could not be decided), then the check's own report.
 */
export function formatNotAdmittedAgain(report: Report, details: string): string {
  const refused = report.workloads.filter((w) => w.verdict === 'fail' || w.verdict === 'error');
  const lines = [`### ${refused.length === 0 && report.verdict === 'pass' ? '✅' : '❌'} binauthz-gate: what is deployed that would not be admitted again`, ''];
  if (refused.length === 0)
    lines.push(
      report.verdict === 'pass'
        ? `All ${report.workloads.length} deployed workload(s) would be admitted again under the live policy.`
        : 'No workload was refused, but the check could not decide everything: see the errors below.',
    );
  else {
    lines.push(`${refused.length} of ${report.workloads.length} deployed workload(s):`, '');
    for (const w of refused.slice(0, MAX_NOT_ADMITTED_LINES))
      lines.push(`- ${w.verdict === 'fail' ? '❌' : '⛔'} ${w.kind} ${escapeMarkdown(w.name)} (${escapeMarkdown(w.file)}): ${escapeMarkdown(w.summary)}`);
    if (refused.length > MAX_NOT_ADMITTED_LINES) lines.push(`- … and ${refused.length - MAX_NOT_ADMITTED_LINES} more`);
  }
  return `${lines.join('\n')}\n\n${details}`;
}

function titleOf(report: ImpactReport): string {
  if (report.verdict === 'error') return '⛔ binauthz-gate: the impact could not be decided';
  if (report.verdict === 'pass') return '✅ binauthz-gate: this policy change blocks nothing';
  // A fail with nothing newly blocked is --fail-on-weaken's.
  return report.counts['newly-blocked'] > 0
    ? '❌ binauthz-gate: this policy change blocks workloads'
    : '❌ binauthz-gate: this policy change weakens enforcement';
}

function describeChange(change: PolicyChange, quote: (text: string) => string): string {
  if (change.before === null) return `added ${quote(change.after ?? '')}`;
  if (change.after === null) return `removed ${quote(change.before)}`;
  return `${quote(change.before)} → ${quote(change.after)}`;
}

function sorted(workloads: readonly WorkloadImpact[]): WorkloadImpact[] {
  return [...workloads].sort(
    (a, b) => ORDER.indexOf(a.change) - ORDER.indexOf(b.change) || a.file.localeCompare(b.file) || a.line - b.line || a.name.localeCompare(b.name),
  );
}

function countLine(report: ImpactReport): string {
  const c = report.counts;
  const weakens = report.policyChanges.filter((p) => p.effect === 'weakens').length;
  return `${report.workloads.length} workload(s): ${c['newly-blocked']} newly blocked, ${c['newly-admitted']} newly admitted, ${c['newly-undecidable']} newly undecidable, ${c['verdict-changed'] + c['newly-decidable']} other change(s), ${c.unchanged} unchanged; ${weakens} policy change(s) weaken enforcement`;
}
