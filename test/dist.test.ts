// The committed bundle must be exactly what `npm run build` makes from the source.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

it('dist/ matches a fresh build of the source (run `npm run build` and commit dist/)', (t) => {
  const fresh = tempDir(t, 'binauthz-gate-dist-');
  execFileSync(process.execPath, [join(root, 'build.mjs'), fresh], { cwd: root });
  const built = readdirSync(fresh).sort();
  assert.deepEqual(readdirSync(join(root, 'dist')).sort(), built);
  for (const file of built) {
    assert.ok(readFileSync(join(fresh, file)).equals(readFileSync(join(root, 'dist', file))), `dist/${file} is stale`);
  }
});
