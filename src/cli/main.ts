// Entry point of the binauthz-gate CLI: runs the command line and exits with its status. It
// exits explicitly once the report is written, so that a connection a registry or API left
// hanging cannot keep the process alive past its deadline.
import { main } from './command-line.ts';
import { redactorFor } from '../report/redact.ts';

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

// One redactor for the run: the command line feeds it, and the internal-error path below uses it too.
const redactor = redactorFor(process.env);

main(process.argv.slice(2), process.env, redactor).then(exit, (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(redactor.redact(`binauthz-gate: internal error (please report it): ${message}\n`));
  if (process.env['BINAUTHZ_GATE_DEBUG'] && error instanceof Error) process.stderr.write(redactor.redact(`${error.stack}\n`));
  exit(2);
});
