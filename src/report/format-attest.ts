// The attest step's report: JSON {"attestations": [...]} for machines, a few lines for people.
import type { AttestReport } from '../attest.ts';
import { clean } from './format-text.ts';

export function attestJson(report: AttestReport) {
  return {
    attestations: report.attestations.map(({ image, digest, attestor, occurrence, created }) => ({ image, digest, attestor, occurrence, created })),
    skipped: report.skipped,
    errors: report.failures.map(({ image, message }) => ({ image, message })),
  };
}

/** 0 when every image is attested (created or already there), 1 when any could not be, 2 on bad input. */
export function attestExitCode(report: AttestReport): 0 | 1 | 2 {
  if (report.failures.some((f) => f.kind === 'bad-input')) return 2;
  return report.failures.length > 0 ? 1 : 0;
}

export function formatAttestText(report: AttestReport): string {
  const lines: string[] = [];
  for (const a of report.attestations) {
    lines.push(`${a.created ? '✅ created' : '✅ already attested'}  ${clean(a.image)}`);
    lines.push(`   ${a.digest} by ${a.attestor}: ${a.occurrence}`);
    for (const note of a.notes) lines.push(`   note: ${clean(note)}`);
  }
  for (const s of report.skipped) lines.push(`➖ skipped  ${clean(s.image)}: ${clean(s.reason)}`);
  for (const f of report.failures) lines.push(`❌ ${f.image ? `${clean(f.image)}: ` : ''}${clean(f.message)}`);
  const created = report.attestations.filter((a) => a.created).length;
  lines.push('', `Result: ${created} created, ${report.attestations.length - created} already attested, ${report.skipped.length} skipped, ${report.failures.length} failed`);
  return `${lines.join('\n')}\n`;
}
