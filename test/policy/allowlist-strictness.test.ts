// An exempt-image pattern must never exempt more than Cloud Run does: wildcards are anchored at the
// start of the evaluated string, and every comparison is case-sensitive (reference §2.3, Q2).
// Each case is one a looser matcher (prefix found anywhere, case folded) would get wrong, so a
// mutation of the matcher in either direction fails here, both in the matcher and in the verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchesAllowlistPattern, matchesEvaluatedImage, parseAllowlistPattern, type AllowlistPattern } from '../../src/policy/allowlist.ts';
import { evaluateImage } from '../../src/policy/evaluate.ts';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { Evidence } from '../../src/policy/decision.ts';
import type { Policy } from '../../src/policy/policy.ts';

const D1 = `sha256:${'0123456789abcdef'.repeat(4)}`;
const noLookups: Evidence = { attestations: () => assert.fail('no attestation should be looked up'), tags: () => null };

function pattern(text: string): AllowlistPattern {
  const parsed = parseAllowlistPattern(text);
  if (!parsed.ok) assert.fail(`expected ${JSON.stringify(text)} to be valid, got: ${parsed.problem}`);
  return parsed.pattern;
}

function denyExcept(patterns: readonly string[]): Policy {
  const list = patterns.map((p) => `{namePattern: "${p}"}`).join(', ');
  const parsed = parsePolicyText(
    'file:test',
    `defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\nadmissionWhitelistPatterns: [${list}]\n`,
  );
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.policy;
}

/** The decision for `image` under ALWAYS_DENY with `patterns` exempt: 'allow' only if a pattern exempts it. */
function decision(patterns: readonly string[], image: string): string {
  return evaluateImage(image, denyExcept(patterns), noLookups).decision;
}

describe('wildcard patterns are anchored at the start of the image', () => {
  // The pattern's prefix appears inside these names, but not at their start. The regional hosts matter for
  // `*`: the text after a prefix found a few characters in holds no '/', so only the anchor refuses them.
  const embedded: readonly [string, string][] = [
    ['gcr.io/p/app@*', 'eu.gcr.io/p/app'],
    ['gcr.io/p/app*', 'us.gcr.io/p/app'],
    ['gcr.io/p/app*', 'xgcr.io/p/app'],
    ['docker.pkg.dev/p/r/app@*', 'us-docker.pkg.dev/p/r/app'],
    ['gcr.io/p/**', 'evil.example/gcr.io/p/app'],
    ['gcr.io/p/**', 'us-docker.pkg.dev/x/gcr.io/p/app'],
    ['gcr.io/p/*', 'evil.example/gcr.io/p/app'],
    ['gcr.io/p/app@*', 'evil.example/gcr.io/p/app'],
    ['gcr.io/p/app**', 'ghcr.io/mirror/gcr.io/p/app'],
  ];

  for (const [text, name] of embedded) {
    it(`${text} does not exempt ${name}`, () => {
      assert.equal(matchesAllowlistPattern(pattern(text), name, D1), 'no-match');
      assert.equal(matchesAllowlistPattern(pattern(text), name, null), 'no-match');
      assert.equal(matchesEvaluatedImage(pattern(text), `${name}@${D1}`), false);
      assert.equal(decision([text], `${name}@${D1}`), 'deny');
      assert.equal(decision([text], `${name}:1`), 'deny');
    });
  }

  it('the same patterns still exempt the names they start', () => {
    assert.equal(decision(['gcr.io/p/**'], `gcr.io/p/app@${D1}`), 'allow');
    assert.equal(decision(['gcr.io/p/*'], `gcr.io/p/app@${D1}`), 'allow');
    assert.equal(decision(['gcr.io/p/app@*'], `gcr.io/p/app@${D1}`), 'allow');
  });

  it('a * or ** pattern never matches a name that does not start with its prefix (property)', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    const host = fc.constantFrom('gcr.io', 'ghcr.io', 'us-docker.pkg.dev', 'evil.example');
    const stars = fc.constantFrom('*', '**', '/*', '/**', '@*');
    fc.assert(
      fc.property(host, component, host, fc.array(component, { maxLength: 2 }), stars, fc.nat({ max: 2 }), (h1, project, h2, path, wildcard, shape) => {
        const prefix = `${h1}/${project}`;
        // The prefix at the end of a longer name: below another host, or inside a longer host name.
        const name = [[h2, ...path, prefix].join('/'), `${path[0] ?? 'eu'}.${prefix}`, `${path[0] ?? 'x'}${prefix}`][shape] ?? prefix;
        fc.pre(!name.startsWith(prefix));
        const p = pattern(prefix + wildcard);
        assert.equal(matchesAllowlistPattern(p, name, D1), 'no-match');
        assert.equal(matchesAllowlistPattern(p, name, null), 'no-match');
      }),
      { numRuns: 500 },
    );
  });
});

describe('matching is case-sensitive', () => {
  it('an exact digest pattern does not exempt the same image spelled in other case', () => {
    const exact = `gcr.io/p/app@${D1}`;
    assert.equal(matchesAllowlistPattern(pattern(exact), 'gcr.io/p/app', D1), 'match');
    for (const name of ['GCR.IO/p/app', 'gcr.io/P/app', 'gcr.io/p/App']) {
      assert.equal(matchesAllowlistPattern(pattern(exact), name, D1), 'no-match', name);
      assert.equal(matchesEvaluatedImage(pattern(exact), `${name}@${D1}`), false, name);
    }
    assert.equal(matchesEvaluatedImage(pattern(exact), `gcr.io/p/app@${D1.toUpperCase().replace('SHA256', 'sha256')}`), false);
  });

  it('an upper-case exact pattern does not exempt the lower-case image', () => {
    const upper = `GCR.IO/p/app@${D1}`;
    assert.equal(matchesAllowlistPattern(pattern(upper), 'gcr.io/p/app', D1), 'no-match');
    assert.equal(matchesAllowlistPattern(pattern(upper), 'gcr.io/p/app', null), 'no-match');
    assert.equal(decision([upper], `gcr.io/p/app@${D1}`), 'deny');
    assert.equal(decision([`gcr.io/p/app@${D1}`], `gcr.io/p/app@${D1}`), 'allow');
  });

  it('wildcard patterns do not fold case either', () => {
    for (const [text, name] of [
      ['GCR.IO/p/**', 'gcr.io/p/app'],
      ['gcr.io/P/*', 'gcr.io/p/app'],
      ['gcr.io/p/App@*', 'gcr.io/p/app'],
    ] as const) {
      assert.equal(matchesAllowlistPattern(pattern(text), name, D1), 'no-match', text);
      assert.equal(matchesAllowlistPattern(pattern(text), name, null), 'no-match', text);
    }
  });
});
