// Bundles each entry point into one self-contained, minified ESM file under dist/ (or the
// folder given as the first argument, which the check-dist test uses to compare).
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist';
const entries = { cli: 'src/cli.ts' };

for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: `${outdir}/${name}.js`,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    legalComments: 'linked',
    banner: {
      js: [
        name === 'cli' ? '#!/usr/bin/env node' : '',
        // Some dependencies are CommonJS and call require(): give the ESM bundle one.
        "import { createRequire as __bgCreateRequire } from 'node:module'; const require = __bgCreateRequire(import.meta.url);",
      ]
        .filter(Boolean)
        .join('\n'),
    },
    logLevel: 'warning',
  });
}
