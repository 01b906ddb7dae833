// Runs the test suite with a private temporary folder, then fails if the tests left anything behind:
// in that folder, or in the working tree (a test that writes into the repository would dirty every checkout).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url);
// Extra arguments go to node --test; files named there replace the whole suite (`node test/run-tests.mjs test/x.test.ts`).
const args = process.argv.slice(2);
const files = args.some((arg) => !arg.startsWith('-')) ? [] : ['test/**/*.test.ts'];

/** Every path git reports as changed, untracked or ignored; null outside a git checkout. */
function treeState() {
  const git = spawnSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all', '-z'], { cwd: root, encoding: 'utf8' });
  if (git.error || git.status !== 0) return null;
  return new Set(git.stdout.split('\0').filter((entry) => entry !== ''));
}

// Ctrl-C reaches the test runner too: let it stop, then clean up here instead of dying first.
process.on('SIGINT', () => {});
const temp = mkdtempSync(join(tmpdir(), 'binauthz-gate-tests-'));
let code = 1;
try {
  const before = treeState();
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...args, ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TMPDIR: temp, TMP: temp, TEMP: temp },
  });
  code = run.status ?? 1;
  if (run.error) console.error(`could not run the tests: ${run.error.message}`);
  if (run.signal) console.error(`the test run was killed by ${run.signal}`);

  const left = readdirSync(temp).sort();
  if (left.length > 0) {
    console.error(
      `\nThe tests left ${left.length} ${left.length === 1 ? 'entry' : 'entries'} in the temporary folder (each test must remove what it creates):`,
    );
    for (const name of left) console.error(`  ${name}`);
    code = code || 1;
  }

  const after = treeState();
  const added = before && after ? [...after].filter((entry) => !before.has(entry)).sort() : [];
  if (added.length > 0) {
    console.error(`\nThe tests changed the working tree (git status, ignored files included):`);
    for (const entry of added) console.error(`  ${entry}`);
    code = code || 1;
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.exit(code);
