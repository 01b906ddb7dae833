// The CLI runs itself once more under the V8 flags that keep its memory flat (src/cli/main.ts):
// the second process has them, the first does not, and BINAUTHZ_GATE_NO_REEXEC=1 runs only one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

/** Each process the CLI runs, as the V8 flags it was started with (a preload writes them down). */
function processesOf(t: Parameters<typeof tempDir>[0], env: Record<string, string>): string[][] {
  const dir = tempDir(t, 'cli-heap-flags-');
  const probe = join(dir, 'probe.mjs');
  const log = join(dir, 'processes.jsonl');
  writeFileSync(probe, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(log)}, JSON.stringify(process.execArgv) + '\\n');\n`);
  writeFileSync(log, '');
  const out = execFileSync(process.execPath, ['--import', probe, CLI, '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.match(out, /^\d+\.\d+\.\d+/);
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as string[]);
}

describe('the CLI under its heap flags', () => {
  it('runs itself once more with both flags, keeping the flags it was started with', (t) => {
    const processes = processesOf(t, { BINAUTHZ_GATE_NO_REEXEC: '' });
    assert.equal(processes.length, 2, JSON.stringify(processes));
    const [first, second] = processes;
    assert.ok(FLAGS.every((flag) => !first?.includes(flag)));
    assert.ok(FLAGS.every((flag) => second?.includes(flag)));
    assert.ok(second?.includes('--import'), 'the flags it was started with are kept');
  });

  it('BINAUTHZ_GATE_NO_REEXEC=1 runs it once, without them', (t) => {
    const processes = processesOf(t, { BINAUTHZ_GATE_NO_REEXEC: '1' });
    assert.equal(processes.length, 1);
    assert.ok(FLAGS.every((flag) => !processes[0]?.includes(flag)));
  });
});
