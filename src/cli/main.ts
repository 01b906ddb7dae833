// Entry point of the binauthz-gate CLI: runs the command line and exits with its status. It
// exits explicitly once the report is written, so that a connection a registry or API left
// hanging cannot keep the process alive past its deadline.
//
// It runs itself once more under `--max-semi-space-size`: parsing a tree of manifests makes
// short-lived garbage, and with V8's default young generation the peak memory grows with the
// tree (320 MB for 20,000 manifests, against 153 MB with the flag, at the same CPU). The bin's
// shebang cannot carry the flag, and V8 ignores it once the heap exists.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from './command-line.ts';
import { redactorFor } from '../report/redact.ts';
import { errorKind, messageOf } from '../errors.ts';

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

const SEMI_SPACE_FLAG = '--max-semi-space-size=4';

if (!process.execArgv.includes(SEMI_SPACE_FLAG) && process.env['BINAUTHZ_GATE_NO_REEXEC'] !== '1') {
  const child = spawnSync(process.execPath, [...process.execArgv, SEMI_SPACE_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
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
