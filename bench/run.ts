// Runs every benchmark and prints one short table: figures, ratios and counts, and whether each target
// is met. It says met or MISSED; only the one ratio that holds on a loaded machine (memory flat as the
// tree grows) and the report's counts fail the run (exit 1). Run: npm run bench
// (BENCH_SIZES=5000,50000 BENCH_RUNS=2 for a part.)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MEASURED_WITH, runCliBench, type SizeResult } from './cli.bench.ts';
import type { Expected } from './generate-tree.ts';

const TARGET_CPU_SECONDS = 3;
const TARGET_RSS_MB = 200;
/** "Flat as the tree grows": ten times the manifests, less than this many times the peak memory. */
const FLAT_RSS_RATIO = 2.5;
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

console.log(
  `binauthz-gate CLI (dist/cli.js), node ${process.version}, CPU and peak RSS of the CLI process via ${MEASURED_WITH}; best of ${largest.runs.length} runs (the machine may be shared)`,
);
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
const target = bySize.get(5000) ?? largest;
console.log(
  `target, ${target.manifests} manifests: CPU ${fixed(target.summary.cpuSeconds)} s < ${TARGET_CPU_SECONDS} s: ${met(target.summary.cpuSeconds < TARGET_CPU_SECONDS)}`,
);
console.log(
  `target, ${target.manifests} manifests: peak RSS ${fixed(target.summary.peakRssMb, 1)} MB < ${TARGET_RSS_MB} MB: ${met(target.summary.peakRssMb < TARGET_RSS_MB)}`,
);
console.log('beside the parse-only floor (bench/parse-floor.mjs: the same tree read and parsed by the `yaml` library alone, measured the same way, same run)');
console.log(
  table([
    ['manifests', 'CPU s', 'floor CPU s', 'x floor', 'peak RSS MB', 'floor RSS MB', 'x floor'],
    ...cli.sizes.map((s) => [
      String(s.manifests),
      fixed(s.summary.cpuSeconds),
      fixed(s.floor.cpuSeconds),
      fixed(s.summary.cpuSeconds / s.floor.cpuSeconds),
      fixed(s.summary.peakRssMb, 0),
      fixed(s.floor.peakRssMb, 0),
      fixed(s.summary.peakRssMb / s.floor.peakRssMb),
    ]),
  ]),
);
const small = bySize.get(5000);
const big = bySize.get(50000);
if (small && big) {
  const growth = big.summary.peakRssMb / small.summary.peakRssMb;
  if (growth >= FLAT_RSS_RATIO) process.exitCode = 1;
  console.log(
    `flat memory: peak RSS 50000/5000 = ${fixed(growth)} < ${FLAT_RSS_RATIO}: ${met(growth < FLAT_RSS_RATIO)} (CPU 50000/5000 = ${fixed(big.summary.cpuSeconds / small.summary.cpuSeconds)}, ideal 10)`,
  );
}
const cpu = (size: number): number => bySize.get(size)?.summary.cpuSeconds ?? NaN;
const marginal = (cpu(5000) - cpu(2500)) / 2.5; // CPU s per 1,000 manifests
if (bySize.has(1250) && bySize.has(2500) && bySize.has(5000)) {
  console.log(`linearity (CPU, ideal 2.00): 2500/1250 = ${fixed(cpu(2500) / cpu(1250))}, 5000/2500 = ${fixed(cpu(5000) / cpu(2500))}`);
  console.log(`  marginal ${fixed(marginal * 1000, 0)} ms CPU per 1,000 manifests; fixed cost (startup, JIT warm-up) ${fixed(cpu(2500) - 2.5 * marginal)} s`);
}
console.log(`report, ${largest.manifests} manifests: ${counts(largest.reported)}`);
if (cli.sizes.some((s) => !s.countsMatch)) process.exitCode = 1;
for (const s of cli.sizes.filter((s) => !s.countsMatch)) console.log(`MISMATCH at ${s.manifests}: generated ${counts(s.expected)}`);
for (const file of OTHER_BENCHES) console.log(`${file}: ${runOtherBench(file)}`);
