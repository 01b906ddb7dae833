// Runs every benchmark and prints one short table: figures, ratios and counts, and whether each target
// is met. A report printing: it judges no figure, it only says met or MISSED. Run: npm run bench
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MEASURED_WITH, runCliBench, type SizeResult } from './cli.bench.ts';
import type { Expected } from './generate-tree.ts';

const TARGET_CPU_SECONDS = 3;
const TARGET_RSS_MB = 200;
const OTHER_BENCHES = ['attestations.bench.ts', 'live.bench.ts', 'deployed.bench.ts', 'action.bench.ts'];

const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const met = (ok: boolean): string => (ok ? 'met' : 'MISSED');

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padStart(widths[column]!)).join('  ')).join('\n');
}

function counts(c: Expected): string {
  const v = c.verdicts;
  const d = c.decisions;
  return `${c.workloads} workloads (${c.services} Service, ${c.jobs} Job), ${c.containers} containers; verdicts pass ${v.pass}, warn ${v.warn}, fail ${v.fail}, error ${v.error}; decisions allow ${d.allow}, deny ${d.deny}, error ${d.error}`;
}

function runOtherBench(file: string): string {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const run = spawnSync(process.execPath, [path], { encoding: 'utf8' });
  if (run.status !== 0) return `did not run (exit ${run.status ?? run.signal}): ${(run.stderr || run.stdout).trim().split('\n')[0]}`;
  return run.stdout.trim();
}

const cli = runCliBench();
const bySize = new Map<number, SizeResult>(cli.sizes.map((s) => [s.manifests, s]));
const largest = cli.sizes[cli.sizes.length - 1]!;

console.log(`binauthz-gate CLI (dist/cli.js), node ${process.version}, CPU and peak RSS of the CLI process via ${MEASURED_WITH}; median of ${largest.runs.length} runs`);
console.log(
  table([
    ['manifests', 'wall s', 'manifests/s', 'CPU s', 'peak RSS MB', 'CPU s per run', 'counts'],
    ...cli.sizes.map((s) => [
      String(s.manifests),
      fixed(s.summary.wallSeconds),
      fixed(s.manifests / s.summary.wallSeconds, 0),
      fixed(s.summary.cpuSeconds),
      fixed(s.summary.peakRssMb, 0),
      s.runs.map((r) => fixed(r.cpuSeconds)).join(' '),
      s.countsMatch ? 'as generated' : 'MISMATCH',
    ]),
  ]),
);
console.log(`startup (--version): ${fixed(cli.startup.cpuSeconds)} s CPU, ${fixed(cli.startup.peakRssMb, 0)} MB`);
console.log(`target, ${largest.manifests} manifests: CPU ${fixed(largest.summary.cpuSeconds)} s < ${TARGET_CPU_SECONDS} s: ${met(largest.summary.cpuSeconds < TARGET_CPU_SECONDS)}`);
console.log(`target, ${largest.manifests} manifests: peak RSS ${fixed(largest.summary.peakRssMb, 1)} MB < ${TARGET_RSS_MB} MB: ${met(largest.summary.peakRssMb < TARGET_RSS_MB)}`);
const cpu = (size: number): number => bySize.get(size)!.summary.cpuSeconds;
const marginal = (cpu(5000) - cpu(2500)) / 2.5; // CPU s per 1,000 manifests
console.log(`linearity (CPU, ideal 2.00): 2500/1250 = ${fixed(cpu(2500) / cpu(1250))}, 5000/2500 = ${fixed(cpu(5000) / cpu(2500))}`);
console.log(`  marginal ${fixed(marginal * 1000, 0)} ms CPU per 1,000 manifests; fixed cost (startup, JIT warm-up) ${fixed(cpu(2500) - 2.5 * marginal)} s`);
console.log(`report, ${largest.manifests} manifests: ${counts(largest.reported)}`);
for (const s of cli.sizes.filter((s) => !s.countsMatch)) console.log(`MISMATCH at ${s.manifests}: generated ${counts(s.expected)}`);
for (const file of OTHER_BENCHES) console.log(`${file}: ${runOtherBench(file)}`);
