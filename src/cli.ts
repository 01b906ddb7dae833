// Entry point of the binauthz-gate CLI: runs the command line and sets the exit status.
import { main } from './command-line.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`binauthz-gate: internal error (please report it): ${message}\n`);
    if (process.env['BINAUTHZ_GATE_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  },
);
