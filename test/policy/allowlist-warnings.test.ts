// Which exempt-image patterns can never match on Cloud Run, where E is NAME@sha256:<64 lower-case hex>:
// the warning must come exactly for those, so a user is told about a dead pattern and not about a
// good one. Also: a tag pattern gets one warning (the tag), not a second one about over-matching.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAllowlistPattern, parseAllowlistPattern } from '../../src/policy/allowlist.ts';

const HEX = '0123456789abcdef'.repeat(4);

function warnings(text: string): readonly string[] {
  const parsed = parseAllowlistPattern(text);
  if (!parsed.ok) assert.fail(`expected ${JSON.stringify(text)} to be valid, got: ${parsed.problem}`);
  return parsed.warnings;
}

const neverMatches = (text: string): boolean => warnings(text).some((warning) => /can never match/.test(warning));

describe('digest patterns that can never match are warned about, and only those', () => {
  it('an exact digest must be sha256: and exactly 64 lower-case hex characters', () => {
    assert.equal(neverMatches(`gcr.io/p/app@sha256:${HEX}`), false);
    for (const digest of [`sha512:${HEX}`, `sha256:${HEX}0`, `sha256:x${HEX}`, `sha256:${HEX.slice(1)}`, `SHA256:${HEX}`]) {
      assert.equal(neverMatches(`gcr.io/p/app@${digest}`), true, digest);
      // Nor can such a pattern depend on the unknown digest of a tag.
      assert.equal(matchesAllowlistPattern(parseOk(`gcr.io/p/app@${digest}`), 'gcr.io/p/app', null), 'no-match', digest);
    }
  });

  it('a wildcard after a start of sha256:<hex> can match', () => {
    for (const text of [
      'gcr.io/p/app@s*',
      'gcr.io/p/app@sha2*',
      'gcr.io/p/app@sha256*',
      'gcr.io/p/app@sha256:*',
      'gcr.io/p/app@sha256:ab*',
      `gcr.io/p/app@sha256:${HEX}*`,
    ]) {
      assert.equal(neverMatches(text), false, text);
    }
  });

  it('a wildcard after anything else following @ cannot', () => {
    for (const text of ['gcr.io/p/app@sha512:ab*', 'gcr.io/p/app@sha256:XY*', 'gcr.io/p/app@sha256:ab/*', 'gcr.io/p/app@latest*', 'gcr.io/p/app@256*']) {
      assert.equal(neverMatches(text), true, text);
    }
  });
});

describe('over-match warnings', () => {
  it('a tag pattern gets the tag warning only', () => {
    for (const text of ['gcr.io/p/app:v1*', 'localhost:5000/app:v1.*', 'gcr.io/p/app:latest**']) {
      const found = warnings(text);
      assert.equal(found.length, 1, `${text}: ${JSON.stringify(found)}`);
      assert.match(found[0] ?? '', /has a tag/);
    }
  });

  it('a registry with a port does not hide the over-match of a * after a name', () => {
    assert.match(warnings('localhost:5000/app*').join('\n'), /also matches every sibling image/);
    assert.match(warnings('localhost:5000/team**').join('\n'), /bare string prefix/);
  });
});

function parseOk(text: string) {
  const parsed = parseAllowlistPattern(text);
  if (!parsed.ok) assert.fail(parsed.problem);
  return parsed.pattern;
}
