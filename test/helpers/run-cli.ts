// Runs the built CLI (dist/cli.js) as a separate process, as users and CI run it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The child's environment: this process's, minus anything that could point it at a real Google
 * project or credentials, plus `extra`. The metadata server is never probed.
 */
function hermeticEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', METADATA_SERVER_DETECTION: 'none' };
  for (const name of Object.keys(env)) {
    if (/^(CLOUDSDK_|GOOGLE_|GCLOUD_|GCE_)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, env: hermeticEnv(options.env ?? {}) },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

type CliOptions = { cwd?: string; timeoutMs?: number; env?: Record<string, string> };

/** Runs the CLI and parses its JSON output; fails loudly when the output is not JSON. */
export async function runCliJson<T>(args: readonly string[], options: CliOptions = {}): Promise<CliRun & { report: T }> {
  const run = await runCli(args, options);
  try {
    return { ...run, report: JSON.parse(run.stdout) as T };
  } catch {
    throw new Error(`the CLI did not print JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** Runs `check --format json` and parses the report. */
export function runCheckJson(args: readonly string[], options: CliOptions = {}) {
  return runCliJson<CheckReport>(['check', '--format', 'json', ...args], options);
}

export interface CheckReport {
  verdict: string;
  policy: { source: string; etag: string | null; defaultRule: string | null; notes: { field: string; message: string }[] };
  workloads: {
    kind: string;
    name: string;
    file: string;
    line: number;
    enforcement: string;
    verdict: string;
    containers: { name: string; image: string; line: number; digest: string | null; decision: string; reason: string; detail: string }[];
    notes: string[];
    problems: string[];
  }[];
  skipped: { file: string; line: number; kind: string; why: string }[];
  errors: { file: string | null; line: number | null; message: string }[];
}
