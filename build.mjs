// Bundles each entry point into one self-contained, minified ESM file under dist/ (or the
// folder given as the first argument, which the check-dist test uses to compare).
//
// Three dependencies are replaced at bundle time by small stand-ins in src/shims/, because
// Node 24 already does their job and they would put the action over its 1 MB budget:
// `undici` (fetch and ProxyAgent for @actions/github), `node-fetch` (gaxios) and `qs`
// (googleapis-common's query strings). Tests of the source run against the real packages;
// end-to-end tests run the bundles.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// src/version.ts reads the version from this project's package.json. Bundle only that field:
// the whole file would ship the scripts and devDependencies, and make every edit of them a stale
// dist/. Dependencies' own package.json files (read for their user agents) load as they are.
const ownPackageJson = fileURLToPath(new URL('package.json', import.meta.url));
const { version } = JSON.parse(readFileSync(ownPackageJson, 'utf8'));
const versionOnly = {
  name: 'own-package-json-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
      args.path === ownPackageJson ? { contents: JSON.stringify({ version }), loader: 'json' } : undefined,
    );
  },
};

const outdir = process.argv[2] ?? 'dist';
const entries = { index: 'src/index.ts', cli: 'src/cli.ts' };

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
    alias: { undici: './src/shims/undici.ts', 'node-fetch': './src/shims/node-fetch.ts', qs: './src/shims/qs.ts' },
    banner: {
      js: [
        name === 'cli' ? '#!/usr/bin/env node' : '',
        // Some dependencies are CommonJS and call require(): give the ESM bundle one.
        "import { createRequire as __bgCreateRequire } from 'node:module'; const require = __bgCreateRequire(import.meta.url);",
      ]
        .filter(Boolean)
        .join('\n'),
    },
    plugins: [versionOnly],
    logLevel: 'warning',
  });
}
