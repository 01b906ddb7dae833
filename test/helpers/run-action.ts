// Runs the built action (dist/index.js) as the runner runs it: a separate process with INPUT_* variables,
// a pull_request payload at GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files in RUNNER_TEMP.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACTION = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const EVENT = readFileSync(new URL('../fixtures/github/pull_request.opened.json', import.meta.url), 'utf8');
export const ACTION_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

export interface ActionExit {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ActionRun extends ActionExit {
  outputs: Record<string, string>;
  summary: string;
  /** Wall-clock time of the process, in milliseconds. */
  ms: number;
}

/** Parses the runner's `name<<DELIMITER … DELIMITER` output file. */
export function readOutputs(path: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const value: string[] = [];
    while (++i < lines.length && lines[i] !== match[2]) value.push(lines[i] ?? '');
    outputs[match[1] as string] = value.join('\n');
  }
  return outputs;
}

/** `{ fail_on: 'never' }` → `{ INPUT_FAIL_ON: 'never' }`, as the runner passes a step's `with:`. */
export function inputsEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
}

/** Runs `node dist/index.js` in `cwd` with exactly `env`; a process that exits with a code resolves, one that could not run rejects. */
export function execAction(env: NodeJS.ProcessEnv, cwd: string, timeoutMs?: number): Promise<ActionExit> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [ACTION], { cwd, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

export interface PullRequestRun {
  workspace: string;
  /** RUNNER_TEMP: the event payload, output and summary files are written there (a `tempDir` of the caller's). */
  runner: string;
  githubUrl: string;
  githubToken: string;
  /** The fake Google's `env()`. */
  googleEnv: Record<string, string>;
  projectId?: string;
  /** More variables (after the runner's and Google's, before the inputs). */
  env?: Record<string, string>;
  inputs?: Record<string, string>;
  timeoutMs?: number;
}

/** The action on the `pull_request.opened` payload, as the runner runs it; returns its exit, outputs and job summary. */
export async function runActionOnPullRequest(run: PullRequestRun): Promise<ActionRun> {
  const files = { event: join(run.runner, 'event.json'), output: join(run.runner, 'output'), summary: join(run.runner, 'summary.md') };
  writeFileSync(files.event, EVENT);
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    METADATA_SERVER_DETECTION: 'none',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_API_URL: run.githubUrl,
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_SHA: ACTION_SHA,
    GITHUB_WORKSPACE: run.workspace,
    RUNNER_TEMP: run.runner,
    INPUT_GITHUB_TOKEN: run.githubToken,
    INPUT_PROJECT_ID: run.projectId ?? 'p1',
    ...run.googleEnv,
    ...run.env,
    ...inputsEnv(run.inputs ?? {}),
  };
  const started = Date.now();
  const exit = await execAction(env, run.workspace, run.timeoutMs ?? 30_000);
  const ms = Date.now() - started;
  return { ...exit, outputs: readOutputs(files.output), summary: readFileSync(files.summary, 'utf8'), ms };
}

export interface PushRun {
  workspace: string;
  /** RUNNER_TEMP: the output file is written there (a `tempDir` of the caller's). */
  runner: string;
  googleEnv: Record<string, string>;
  inputs?: Record<string, string>;
  timeoutMs?: number;
}

/** The action on a push (no pull request, no GitHub token, no job summary); returns its exit and outputs. */
export async function runActionOnPush(run: PushRun): Promise<ActionExit & { outputs: Record<string, string> }> {
  const output = join(run.runner, 'output');
  writeFileSync(output, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    METADATA_SERVER_DETECTION: 'none',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: ACTION_SHA,
    GITHUB_OUTPUT: output,
    GITHUB_WORKSPACE: run.workspace,
    RUNNER_TEMP: run.runner,
    INPUT_PROJECT_ID: 'p1',
    ...inputsEnv(run.inputs ?? {}),
    ...run.googleEnv,
  };
  const exit = await execAction(env, run.workspace, run.timeoutMs);
  return { ...exit, outputs: readOutputs(output) };
}

/** Project p1's policy in the action tests: images under `us-docker.pkg.dev/p1/allowed/` are exempt, every other is denied. */
export const P1_ALLOWED_ONLY = {
  name: 'projects/p1/policy',
  admissionWhitelistPatterns: [{ namePattern: 'us-docker.pkg.dev/p1/allowed/**' }],
  defaultAdmissionRule: { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
};

/** A Cloud Run Service manifest with one container, with `annotations` (indented lines) under its metadata. */
export const serviceYaml = (name: string, image: string, annotations = '    run.googleapis.com/binary-authorization: default\n') =>
  `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n${annotations}spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ${image}\n`;
