// The command Stryker's command runner calls (npm run mutate): the engine's unit tests that can see the
// active mutant. Running all of them for each of ~2,800 mutants would take hours on this machine, so a
// mutant in src/<area>/ runs the tests of the areas that import <area>; the slow PKIX suite (RSA-4096
// key generation) runs only for the files it is about. With no active mutant (Stryker's dry run) every
// engine test runs. The files share one process (--test-isolation=none): a process per file costs more
// than most of these tests. Stryker runs this inside its sandbox, where src/ holds the instrumented files.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const AREAS = ['policy', 'images', 'attestations', 'manifests'] as const;
type Area = (typeof AREAS)[number];

/** Test folders whose tests exercise each source area. */
const TESTED_BY: Readonly<Record<Area, readonly Area[]>> = {
  policy: ['policy'],
  images: ['images', 'policy', 'manifests'],
  attestations: ['attestations'],
  manifests: ['manifests', 'policy'],
};

const SLOW_SUITES: Readonly<Record<string, readonly string[]>> = {
  'test/attestations/pkix.test.ts': ['src/attestations/pkix.ts', 'src/attestations/verify.ts'],
};

function testFiles(area: Area): string[] {
  const folder = join('test', area);
  return readdirSync(folder).filter((name) => name.endsWith('.test.ts')).sort().map((name) => join(folder, name));
}

function sourceFiles(area: Area): string[] {
  const folder = join('src', area);
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts')).map((name) => join(folder, name));
}

/** The instrumented file that holds mutant `id` (Stryker guards each one with stryMutAct_9fa48("id")). */
function fileOfMutant(id: string): { area: Area; file: string } | undefined {
  const marker = `stryMutAct_9fa48("${id}")`;
  for (const area of AREAS) {
    const file = sourceFiles(area).find((candidate) => readFileSync(candidate, 'utf8').includes(marker));
    if (file !== undefined) return { area, file };
  }
  return undefined;
}

function selectTests(mutant: string | undefined): string[] {
  const all = [...new Set(AREAS.flatMap(testFiles))];
  if (mutant === undefined) return all;
  const found = fileOfMutant(mutant);
  // A mutant we cannot place runs everything rather than nothing: a survivor must be a real one.
  if (found === undefined) return all;
  return [...new Set(TESTED_BY[found.area].flatMap(testFiles))].filter((test) => SLOW_SUITES[test]?.includes(found.file) ?? true);
}

const active = process.env['__STRYKER_ACTIVE_MUTANT__'];
const tests = selectTests(active === '' ? undefined : active);
const run = spawnSync(process.execPath, ['--test', '--test-isolation=none', '--test-reporter=dot', ...tests], { stdio: 'inherit' });
process.exit(run.status ?? 1);
