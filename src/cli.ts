// Entry point of the binauthz-gate CLI: runs the command line and exits with its status. It
// exits explicitly once the report is written, so that a connection a registry or API left
// hanging cannot keep the process alive past its deadline.
import { main } from './command-line.ts';

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2), process.env).then(exit, (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`binauthz-gate: internal error (please report it): ${message}\n`);
  if (process.env['BINAUTHZ_GATE_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  exit(2);
});
