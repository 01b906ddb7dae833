// The layout is the architecture: the engine (policy, manifests, images, attestations, yaml,
// report, terraform) decides and does no I/O, so it imports nothing from the run, the adapters
// or the fronts, and nothing that reaches the outside. The arrows go one way: fronts → run →
// adapters and engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const ENGINE = ['policy', 'manifests', 'images', 'attestations', 'yaml', 'report', 'terraform'];
const ADAPTERS = ['gcp', 'github', 'registry', 'files', 'net'];
const ABOVE_ENGINE = ['run', 'cli', 'action', ...ADAPTERS];
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|child_process|dgram|tls|worker_threads)$|^(googleapis|google-auth-library|@actions\/|@octokit\/)/;

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

/** The top folder of src/ an import lands in, or the bare module name. */
function landsIn(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const target = relative(SRC, resolve(dirname(file), specifier));
  return target.split(/[\\/]/)[0] ?? target;
}

describe('architecture', () => {
  const engineFiles = ENGINE.flatMap((folder) => filesUnder(join(SRC, folder)));

  it('finds the engine', () => {
    assert.ok(engineFiles.length > 30, `${engineFiles.length} engine files`);
  });

  it('the engine imports nothing from the run, the adapters or the fronts, and no I/O module', () => {
    const offences: string[] = [];
    for (const file of engineFiles) {
      for (const specifier of importsOf(file)) {
        const target = landsIn(file, specifier);
        if (ABOVE_ENGINE.includes(target) || IO_MODULES.test(target)) offences.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('the engine reads no environment and no current folder', () => {
    const offences = engineFiles.filter((file) => /process\.(env|cwd|chdir|argv)/.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file));
    assert.deepEqual(offences, []);
  });

  it('adapters import nothing from the run or the fronts', () => {
    const offences: string[] = [];
    for (const file of ADAPTERS.flatMap((folder) => filesUnder(join(SRC, folder)))) {
      for (const specifier of importsOf(file)) {
        if (['run', 'cli', 'action'].includes(landsIn(file, specifier))) offences.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it('nothing in src changes the process folder', () => {
    assert.deepEqual(
      filesUnder(SRC)
        .filter((file) => /process\.chdir\(/.test(readFileSync(file, 'utf8')))
        .map((file) => relative(SRC, file)),
      [],
    );
  });
});
