// The attest step's report: JSON {"attestations": [...]} for machines, a few lines for people.
import type { AttestationRecord, AttestReport } from './attest-report.ts';
import { clean } from './format-text.ts';

export function attestJson(report: AttestReport) {
  return {
    attestations: report.attestations.map(({ image, digest, attestor, occurrence, outcome, created, removed, notes }) => ({
      image,
      digest,
      attestor,
      occurrence,
      outcome,
      created,
      removed,
      notes,
    })),
    skipped: report.skipped,
    errors: report.failures.map(({ image, kind, message }) => ({ image, kind, message })),
  };
}

/** 0 when every image is attested (created or already there), 1 when any was refused or failed, 2 when any could not be decided. */
export function attestExitCode(report: AttestReport): 0 | 1 | 2 {
  if (report.failures.some((f) => f.kind === 'bad-input' || f.kind === 'undecided')) return 2;
  return report.failures.length > 0 ? 1 : 0;
}

/** What happened, in the words the text report and the action's log use. */
export function describeOutcome(record: AttestationRecord): string {
  switch (record.outcome) {
    case 'created':
      return 'created';
    case 'existing':
      return 'already attested';
    case 'deduplicated':
      return `created then removed as duplicate of ${record.occurrence}`;
  }
}

export function formatAttestText(report: AttestReport): string {
  const lines: string[] = [];
  for (const a of report.attestations) {
    lines.push(`✅ ${clean(describeOutcome(a))}  ${clean(a.image)}`);
    lines.push(`   ${a.digest} by ${a.attestor}: ${clean(a.occurrence)}`);
    if (a.removed !== null) lines.push(`   removed: ${clean(a.removed)} (this run's own, made concurrently with the older one)`);
    for (const note of a.notes) lines.push(`   note: ${clean(note)}`);
  }
  for (const s of report.skipped) lines.push(`➖ skipped  ${clean(s.image)}: ${clean(s.reason)}`);
  for (const f of report.failures) lines.push(`❌ ${f.image ? `${clean(f.image)}: ` : ''}${clean(f.message)}`);
  const count = (outcome: AttestationRecord['outcome']) => report.attestations.filter((a) => a.outcome === outcome).length;
  const deduplicated = count('deduplicated');
  const counts = [
    `${count('created')} created`,
    `${count('existing')} already attested`,
    ...(deduplicated > 0 ? [`${deduplicated} created then removed as duplicate`] : []),
  ];
  lines.push('', `Result: ${counts.join(', ')}, ${report.skipped.length} skipped, ${report.failures.length} failed`);
  return `${lines.join('\n')}\n`;
}
