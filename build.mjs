// Bundles each entry point into one self-contained, minified ESM file under dist/ (or the
// folder given as the first argument, which the check-dist test uses to compare).
//
// Three dependencies are replaced at bundle time by small stand-ins in src/shims/, because
// Node 24 already does their job and they would put the action over its 1 MB budget:
// `undici` (fetch and ProxyAgent for @actions/github), `node-fetch` (gaxios) and `qs`
// (googleapis-common's query strings). Tests of the source run against the real packages;
// end-to-end tests run the bundles.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const entries = { index: 'src/action/index.ts', cli: 'src/cli/main.ts' };

const bundled = new Set();

for (const [name, entry] of Object.entries(entries)) {
  const { metafile } = await build({
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
    metafile: true,
    logLevel: 'warning',
  });
  // Only what reached the bundle: a module tree shaking dropped ships no code of its package.
  for (const [input, { bytesInOutput }] of Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs))) {
    const dir = packageDirOf(input);
    if (dir && bytesInOutput > 0) bundled.add(dir);
  }
}

// The legal comments esbuild keeps (dist/*.LEGAL.txt) are not the licences: MIT, ISC, BSD,
// Apache-2.0 and LGPL ask that their text travel with every copy, and the bundles are the only
// copy users get (the package has no node_modules). One file, each distinct text once.
writeFileSync(`${outdir}/THIRD-PARTY-LICENSES.txt`, thirdPartyLicenses([...bundled]));

/** `node_modules/a/node_modules/@s/b/lib/x.js` → `node_modules/a/node_modules/@s/b`. */
function packageDirOf(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1] : null;
}

function thirdPartyLicenses(dirs) {
  const byText = new Map();
  const packages = dirs
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .map(({ dir, manifest }) => ({ id: `${manifest.name} ${manifest.version} (${manifest.license ?? 'no licence field'})`, text: licenceText(dir) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { id, text } of packages) byText.set(text, [...(byText.get(text) ?? []), id]);
  const sections = [...byText].map(([text, ids]) => `${ids.join('\n')}\n\n${text}`);
  const head = 'Third-party software bundled into dist/cli.js and dist/index.js, and its licences (written by build.mjs).';
  return `${[head, ...sections].join(`\n\n${'-'.repeat(78)}\n\n`)}\n`;
}

function licenceText(dir) {
  const file = readdirSync(dir)
    .filter((name) => /^(licen[cs]e|copying)(\.|-|$)/i.test(name))
    .sort()[0];
  return file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n').trim() : '(the package ships no licence file)';
}
