// Temporary folders that remove themselves: a test run must leave nothing behind in the temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { after, TestContext } from 'node:test';

/**
 * Who removes the folder: a test's context (`t`, removed when that test ends, passed or failed), or node:test's
 * `after` (removed when the enclosing test, suite or file ends: called inside a test body it binds to that test).
 * Not from a `before`/`beforeEach` hook: node:test would run that `after` right after the hook, before the tests;
 * a folder a hook makes is removed by the matching `after`/`afterEach` hook.
 */
export type Owner = Pick<TestContext, 'after'> | typeof after;

/** A fresh folder under the temporary folder, removed with everything in it when `owner` ends. */
export function tempDir(owner: Owner, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  if (typeof owner === 'function') owner(remove);
  else owner.after(remove);
  return dir;
}
