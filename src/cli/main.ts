// Entry point of the binauthz-gate CLI: runs the command line and exits with its status. It
// exits explicitly once the report is written, so that a connection a registry or API left
// hanging cannot keep the process alive past its deadline.
//
// It runs itself once more under two V8 flags, because parsing a tree of manifests makes garbage
// and V8's defaults let the peak memory grow with the tree:
// - `--max-semi-space-size=4`: a small young generation (20,000 manifests: 320 MB, against 153 MB);
// - `--heap-growing-percent=50`: a full collection each time the old generation has grown by
//   half, not by up to four times (50,000 manifests: 279 MB, against 200 MB, for 13% more CPU).
// The bin's shebang cannot carry the flags, and V8 ignores them once the heap exists.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from './command-line.ts';
import { redactorFor } from '../report/redact.ts';
import { errorKind, messageOf } from '../errors.ts';

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

const HEAP_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

if (!HEAP_FLAGS.every((flag) => process.execArgv.includes(flag)) && process.env['BINAUTHZ_GATE_NO_REEXEC'] !== '1') {
  const child = spawnSync(process.execPath, [...process.execArgv, ...HEAP_FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (child.signal) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 2);
}

// One redactor for the run: the command line feeds it, and the internal-error path below uses it too.
const redactor = redactorFor(process.env);

main(process.argv.slice(2), process.env, process.cwd(), redactor).then(exit, (error: unknown) => {
  // A user's configuration error, or a failure outside, is one line; anything else is a bug, with its stack on request.
  if (errorKind(error) !== 'bug') {
    process.stderr.write(redactor.redact(`binauthz-gate: ${messageOf(error)}\n`));
    return exit(2);
  }
  process.stderr.write(redactor.redact(`binauthz-gate: internal error (please report it): ${messageOf(error)}\n`));
  if (process.env['BINAUTHZ_GATE_DEBUG'] && error instanceof Error) process.stderr.write(redactor.redact(`${error.stack}\n`));
  exit(2);
});
