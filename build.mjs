// Bundles each entry point into one self-contained ESM file under dist/.
import { build } from 'esbuild';

const entries = { cli: 'src/cli.ts' };

for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}.js`,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    legalComments: 'linked',
    banner: {
      js: [
        name === 'cli' ? '#!/usr/bin/env node' : '',
        "import { createRequire as __bgCreateRequire } from 'node:module'; const require = __bgCreateRequire(import.meta.url);",
      ].filter(Boolean).join('\n'),
    },
    logLevel: 'warning',
  });
}
