// The command Stryker's command runner calls (npm run mutate): the engine unit tests that are about
// the active mutant's file. Running every engine test for each of ~2,800 mutants takes hours on a
// shared machine, so a mutant in src/<area>/<name>.ts runs test/<area>/<name>.test.ts,
// test/<area>/<name>-*.test.ts, every engine test that imports <name>.ts by path and those listed in
// ALSO_ABOUT; a file no test names runs its area's tests. This can only under-count kills (a test elsewhere that would also
// kill the mutant is not run), never hide a survivor. With no active mutant (Stryker's dry run)
// every engine test runs. The tests are imported into this process, which node:test runs and
// exits non-zero from when one fails. Stryker runs this inside its sandbox, where src/ is
// instrumented.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const AREAS = ['policy', 'images', 'attestations', 'manifests'] as const;
type Area = (typeof AREAS)[number];

function listTs(folder: string, suffix: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(folder, name));
}

/** Tests about a file that neither name nor import it (they reach it through an index.ts). */
const ALSO_ABOUT: Readonly<Record<string, readonly string[]>> = {
  'src/attestations/verify.ts': ['test/attestations/fail-closed.test.ts', 'test/attestations/pkix.test.ts', 'test/attestations/pgp.test.ts'],
  'src/attestations/pkix.ts': ['test/attestations/fail-closed.test.ts'],
};

const TESTS = AREAS.flatMap((area) => listTs(join('test', area), '.test.ts'));

/** The instrumented file that holds mutant `id` (Stryker guards each one with stryMutAct_9fa48("id")). */
function fileOfMutant(id: string): { area: Area; file: string } | undefined {
  const marker = `stryMutAct_9fa48("${id}")`;
  for (const area of AREAS) {
    const file = listTs(join('src', area), '.ts').find((candidate) => readFileSync(candidate, 'utf8').includes(marker));
    if (file !== undefined) return { area, file };
  }
  return undefined;
}

function testsAbout(area: Area, file: string): string[] {
  const name = basename(file, '.ts');
  const importPath = `src/${relative('src', file)}'`;
  const named = TESTS.filter((test) => {
    const testName = basename(test);
    return test.startsWith(join('test', area)) && (testName === `${name}.test.ts` || testName.startsWith(`${name}-`));
  });
  const importing = TESTS.filter((test) => readFileSync(test, 'utf8').includes(importPath));
  const chosen = [...new Set([...named, ...importing, ...(ALSO_ABOUT[file] ?? [])])];
  return chosen.length > 0 ? chosen : TESTS.filter((test) => test.startsWith(join('test', area)));
}

function selectTests(mutant: string | undefined): string[] {
  if (mutant === undefined) return TESTS;
  const found = fileOfMutant(mutant);
  // A mutant we cannot place runs everything rather than nothing: a survivor must be a real one.
  return found === undefined ? TESTS : testsAbout(found.area, found.file);
}

const active = process.env['__STRYKER_ACTIVE_MUTANT__'];
for (const test of selectTests(active === '' ? undefined : active)) {
  await import(pathToFileURL(test).href);
}
