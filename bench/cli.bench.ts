// The built CLI (dist/cli.js) as CI runs it, on generated trees of 1,250, 2,500, 5,000 and 50,000
// manifests: wall time, process CPU and peak RSS of the CLI process itself, and whether its report has
// the counts the generator intended (so the numbers come from real work). Beside each, the parse-only
// floor: a process that reads and parses the same tree with the `yaml` library alone (bench/parse-floor.mjs),
// measured the same way in the same run. The machine may be shared: every figure is the best of RUNS runs.
// Run: npm run build && node bench/cli.bench.ts
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { generateTree, type Decision, type Expected, type Verdict } from './generate-tree.ts';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./child-usage.mjs', import.meta.url));
const FLOOR = fileURLToPath(new URL('./parse-floor.mjs', import.meta.url));
const TIME = '/usr/bin/time';
export const SIZES = [1250, 2500, 5000, 50000] as const;
// BENCH_SIZES=5000,50000 and BENCH_RUNS=2 measure a part only, while working on one figure.
const sizes = (): readonly number[] => process.env['BENCH_SIZES']?.split(',').map(Number) ?? SIZES;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SEED = 20260101;

// BENCH_NO_TIME=1 forces the fallback, to check that it agrees with /usr/bin/time.
const USE_TIME = existsSync(TIME) && !process.env['BENCH_NO_TIME'];
export const MEASURED_WITH = USE_TIME ? TIME : 'node --import bench/child-usage.mjs';

export interface Usage {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

export interface SizeResult {
  readonly manifests: number;
  readonly runs: readonly Usage[];
  /** The best (smallest) wall, CPU and peak RSS of the runs: on a shared machine, the least disturbed. */
  readonly summary: Usage;
  /** The parse-only floor on the same tree, best of as many runs. */
  readonly floor: Usage;
  readonly expected: Expected;
  readonly reported: Expected;
  readonly countsMatch: boolean;
}

export interface CliBenchResult {
  readonly startup: Usage;
  readonly sizes: readonly SizeResult[];
}

/** Runs `node dist/cli.js ARGS` once; stdout goes to `stdoutFile`. CPU and RSS are the CLI process's own. */
export function measureCli(args: readonly string[], stdoutFile: string): Usage {
  return measureNode(CLI, args, stdoutFile);
}

/** Runs `node SCRIPT ARGS` once, measured with /usr/bin/time or the preload: the child's own CPU and peak RSS. */
function measureNode(script: string, args: readonly string[], stdoutFile: string): Usage {
  const usageFile = `${stdoutFile}.usage`;
  const [command, commandArgs]: [string, string[]] = USE_TIME
    ? [TIME, ['-f', '%U %S %M', '-o', usageFile, process.execPath, script, ...args]]
    : [process.execPath, ['--import', PRELOAD, script, ...args]];
  const out = openSync(stdoutFile, 'w');
  const start = performance.now();
  const run = spawnSync(command, commandArgs, {
    stdio: ['ignore', out, 'pipe'],
    env: { ...process.env, BENCH_USAGE_FILE: usageFile, NO_COLOR: '1' },
  });
  const wallSeconds = (performance.now() - start) / 1000;
  closeSync(out);
  if (run.status !== 0) throw new Error(`${script} exited ${run.status ?? run.signal}: ${run.stderr.toString()}`);
  const [user, sys, rssKb] = readFileSync(usageFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  return { wallSeconds, cpuSeconds: (user ?? NaN) + (sys ?? NaN), peakRssMb: (rssKb ?? NaN) / 1024 };
}

interface JsonReport {
  readonly workloads: readonly { kind: string; verdict: Verdict; containers: readonly { decision: Decision }[] }[];
}

/** The same counts as the generator's, taken from the CLI's JSON report. */
export function countReport(report: JsonReport): Expected {
  const verdicts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  const decisions: Record<Decision, number> = { allow: 0, deny: 0, error: 0 };
  let services = 0;
  let containers = 0;
  for (const workload of report.workloads) {
    if (workload.kind === 'Service') services++;
    verdicts[workload.verdict]++;
    containers += workload.containers.length;
    for (const container of workload.containers) decisions[container.decision]++;
  }
  const workloads = report.workloads.length;
  return { workloads, services, jobs: workloads - services, containers, verdicts, decisions };
}

/** Other engineers' work only ever adds CPU time and memory pressure, so the smallest figure is the truest. */
function best(runs: readonly Usage[]): Usage {
  return {
    wallSeconds: Math.min(...runs.map((r) => r.wallSeconds)),
    cpuSeconds: Math.min(...runs.map((r) => r.cpuSeconds)),
    peakRssMb: Math.min(...runs.map((r) => r.peakRssMb)),
  };
}

function benchSize(root: string, manifests: number): SizeResult {
  const tree = generateTree(join(root, String(manifests)), manifests, SEED);
  const args = ['check', '--policy-file', tree.policyFile, '--format', 'json', '--fail-on', 'never', tree.manifestDir];
  const stdoutFile = join(root, `report-${manifests}.json`);
  // CLI and floor alternate, so that a burst of load elsewhere falls on both alike.
  const runs: Usage[] = [];
  const floorRuns: Usage[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(measureCli(args, stdoutFile));
    floorRuns.push(measureFloor(tree.manifestDir, join(root, `floor-${manifests}.txt`), manifests));
  }
  const reported = countReport(JSON.parse(readFileSync(stdoutFile, 'utf8')) as JsonReport);
  rmSync(join(root, String(manifests)), { recursive: true, force: true });
  rmSync(stdoutFile, { force: true });
  const expected = tree.expected;
  return { manifests, runs, summary: best(runs), floor: best(floorRuns), expected, reported, countsMatch: isDeepStrictEqual(reported, expected) };
}

/** The parse-only floor; it must have parsed one document per manifest, or its figure means nothing. */
function measureFloor(manifestDir: string, stdoutFile: string, manifests: number): Usage {
  const usage = measureNode(FLOOR, [manifestDir], stdoutFile);
  const said = readFileSync(stdoutFile, 'utf8').trim();
  if (said !== `${manifests} files, ${manifests} documents`) throw new Error(`the parse-only floor read ${said}, not ${manifests} manifests`);
  return usage;
}

export function runCliBench(): CliBenchResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const root = mkdtempSync(join(tmpdir(), 'binauthz-gate-bench-'));
  try {
    const startup = best(Array.from({ length: RUNS }, () => measureCli(['--version'], join(root, 'version.txt'))));
    return { startup, sizes: sizes().map((size) => benchSize(root, size)) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(JSON.stringify(runCliBench(), null, 2));
