// Entry point of the binauthz-gate CLI: runs the command line and exits with its status. It
// exits explicitly once the report is written, so that a connection a registry or API left
// hanging cannot keep the process alive past its deadline.
import { main } from './command-line.ts';
import { redactorFor } from '../report/redact.ts';
import { errorKind, messageOf } from '../errors.ts';

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
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
