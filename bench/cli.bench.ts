// The built CLI (dist/cli.js) as CI runs it, on generated trees of 1,250, 2,500 and 5,000 manifests:
// wall time, process CPU and peak RSS of the CLI process itself, and whether its report has the
// counts the generator intended (so the numbers come from real work). Run: npm run build && node bench/cli.bench.ts
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { generateTree, type Decision, type Expected, type Verdict } from './generate-tree.ts';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./child-usage.mjs', import.meta.url));
const TIME = '/usr/bin/time';
const SIZES = [1250, 2500, 5000] as const;
const RUNS = 3;
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
  /** Medians of wall and CPU; the largest peak RSS. */
  readonly summary: Usage;
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
  const usageFile = `${stdoutFile}.usage`;
  const [command, commandArgs]: [string, string[]] = USE_TIME
    ? [TIME, ['-f', '%U %S %M', '-o', usageFile, process.execPath, CLI, ...args]]
    : [process.execPath, ['--import', PRELOAD, CLI, ...args]];
  const out = openSync(stdoutFile, 'w');
  const start = performance.now();
  const run = spawnSync(command, commandArgs, {
    stdio: ['ignore', out, 'pipe'],
    env: { ...process.env, BENCH_USAGE_FILE: usageFile, NO_COLOR: '1' },
  });
  const wallSeconds = (performance.now() - start) / 1000;
  closeSync(out);
  if (run.status !== 0) throw new Error(`the CLI exited ${run.status ?? run.signal}: ${run.stderr.toString()}`);
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function summarize(runs: readonly Usage[]): Usage {
  return {
    wallSeconds: median(runs.map((r) => r.wallSeconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
  };
}

function benchSize(root: string, manifests: number): SizeResult {
  const tree = generateTree(join(root, String(manifests)), manifests, SEED);
  const args = ['check', '--policy-file', tree.policyFile, '--format', 'json', '--fail-on', 'never', tree.manifestDir];
  const stdoutFile = join(root, `report-${manifests}.json`);
  const runs = Array.from({ length: RUNS }, () => measureCli(args, stdoutFile));
  const reported = countReport(JSON.parse(readFileSync(stdoutFile, 'utf8')) as JsonReport);
  const expected = tree.expected;
  return { manifests, runs, summary: summarize(runs), expected, reported, countsMatch: isDeepStrictEqual(reported, expected) };
}

export function runCliBench(): CliBenchResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const root = mkdtempSync(join(tmpdir(), 'binauthz-gate-bench-'));
  try {
    const startup = summarize(Array.from({ length: RUNS }, () => measureCli(['--version'], join(root, 'version.txt'))));
    return { startup, sizes: SIZES.map((size) => benchSize(root, size)) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(JSON.stringify(runCliBench(), null, 2));
