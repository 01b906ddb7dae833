// The action's start-up: the bundle's size, and the CPU it spends before its first request
// (on a pull request, listing the changed files). Median of 5 runs.
//   node bench/action.bench.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGitHub } from '../test/helpers/fake-github.ts';

const RUNS = 5;
const TARGET_CPU_S = 0.15;
const TARGET_BYTES = 1024 * 1024;
const action = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const probe = fileURLToPath(new URL('./first-request-probe.mjs', import.meta.url));
const event = fileURLToPath(new URL('../test/fixtures/github/pull_request.opened.json', import.meta.url));

const github = await startFakeGitHub({ token: 'ghs_bench' });
github.state.pulls.set(2, { files: [] });
const dir = mkdtempSync(join(tmpdir(), 'action-bench-'));
const samples: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const out = join(dir, `probe-${i}.json`);
  writeFileSync(join(dir, 'output'), '');
  const env = {
    PATH: process.env['PATH'],
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_API_URL: github.url,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    INPUT_GITHUB_TOKEN: 'ghs_bench',
    INPUT_POLICY_FILE: 'policy.yaml',
    INPUT_COMMENT: 'false',
    FIRST_REQUEST_PROBE_OUT: out,
  };
  // execFile would block this process's event loop, which serves the fake GitHub: run async.
  await new Promise<void>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(process.execPath, ['--import', probe, action], { env, cwd: dir }, (error) =>
        error && typeof error.code !== 'number' ? reject(error) : resolve(),
      ),
    );
  });
  samples.push((JSON.parse(readFileSync(out, 'utf8')) as { cpuMs: number }).cpuMs / 1000);
}
await github.close();
const median = samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
const bytes = statSync(action).size;
const baseline = Number(
  execFileSync(process.execPath, ['-e', 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6)'], { encoding: 'utf8' }).trim(),
);
console.log(
  `dist/index.js ${(bytes / 1024).toFixed(0)} KB (target < 1024 KB: ${bytes < TARGET_BYTES ? 'met' : 'MISSED'}); CPU before the first request ${median.toFixed(3)} s, median of ${RUNS} (target < ${TARGET_CPU_S} s: ${median < TARGET_CPU_S ? 'met' : 'MISSED'}; bare node -e: ${baseline.toFixed(3)} s)`,
);
