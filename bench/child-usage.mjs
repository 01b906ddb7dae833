// Preloaded (node --import) into the CLI process when /usr/bin/time is missing: at exit, writes the
// process's own CPU time and peak RSS to $BENCH_USAGE_FILE. The CLI sets process.exitCode and never
// calls process.exit() early, so 'exit' fires after all of its work. Plain JavaScript, so that the
// measured process does not also load Node's TypeScript stripper.
import { writeFileSync } from 'node:fs';

const file = process.env['BENCH_USAGE_FILE'];
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6} ${usage.maxRSS}\n`);
  });
}
