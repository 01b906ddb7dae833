import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchesAllowlistPattern, matchesAnyAllowlistPattern, matchesEvaluatedImage, parseAllowlistPattern } from '../../src/policy/allowlist.ts';
import type { AllowlistPattern, PatternMatch } from '../../src/policy/allowlist.ts';

const D1 = `sha256:${'0123456789abcdef'.repeat(4)}`;
const D2 = `sha256:${'fedcba9876543210'.repeat(4)}`;
// §10 row 13 quotes the digest shortened to 77b0…cbb8c.
const HELLO_DIGEST = `sha256:77b0${'5'.repeat(55)}cbb8c`;

function pattern(text: string): AllowlistPattern {
  const parsed = parseAllowlistPattern(text);
  if (!parsed.ok) assert.fail(`expected ${JSON.stringify(text)} to be valid, got: ${parsed.problem}`);
  return parsed.pattern;
}

function warnings(text: string): readonly string[] {
  const parsed = parseAllowlistPattern(text);
  if (!parsed.ok) assert.fail(`expected ${JSON.stringify(text)} to be valid, got: ${parsed.problem}`);
  return parsed.warnings;
}

function problem(text: string): string {
  const parsed = parseAllowlistPattern(text);
  if (parsed.ok) assert.fail(`expected ${JSON.stringify(text)} to be invalid`);
  return parsed.problem;
}

/** Cloud Run: the image's name (tag dropped) at its resolved digest, D1 unless given. */
function cloudRun(patternText: string, name: string, digest: string | null = D1): PatternMatch {
  return matchesAllowlistPattern(pattern(patternText), name, digest);
}

/** GKE string semantics: E is the image as written. */
function gke(patternText: string, image: string): boolean {
  return matchesEvaluatedImage(pattern(patternText), image);
}

describe('parseAllowlistPattern', () => {
  it('splits off the trailing wildcard', () => {
    assert.deepEqual(pattern('gcr.io/p/**'), { text: 'gcr.io/p/**', wildcard: 'doublestar', prefix: 'gcr.io/p/' });
    assert.deepEqual(pattern('gcr.io/p/app@*'), { text: 'gcr.io/p/app@*', wildcard: 'star', prefix: 'gcr.io/p/app@' });
    assert.deepEqual(pattern(`gcr.io/p/app@${D1}`), { text: `gcr.io/p/app@${D1}`, wildcard: 'none', prefix: `gcr.io/p/app@${D1}` });
  });

  it('gives no warning for the patterns the Cloud Run docs recommend', () => {
    assert.deepEqual(warnings('us-docker.pkg.dev/myproject/container/hello@*'), []);
    assert.deepEqual(warnings('us-docker.pkg.dev/myproject/**'), []);
    assert.deepEqual(warnings(`gcr.io/example-project/helloworld@${HELLO_DIGEST}`), []);
    assert.deepEqual(warnings('gcr.io/example-project/*'), []);
    assert.deepEqual(warnings('gcr.io/p/app@sha256:77b0*'), []);
    assert.deepEqual(warnings('gcr.io/p/team-*'), []);
  });

  it('rejects an empty pattern', () => {
    assert.equal(problem(''), 'exempt image pattern is empty');
    assert.equal(problem('   '), 'exempt image pattern is empty');
  });

  it('rejects whitespace, which no image name contains', () => {
    assert.match(problem('gcr.io/p/** '), /contains whitespace/);
  });

  it('rejects a wildcard before the end', () => {
    assert.match(problem('gcr.io/my-project/n*x'), /"gcr\.io\/my-project\/n\*x" has a '\*' before its end/);
    assert.match(problem('gcr.io/*/app@*'), /before its end/);
  });

  it('rejects a wildcard before the first /', () => {
    assert.match(problem('gcr.i*'), /"gcr\.i\*" has a wildcard before the first '\/'/);
    assert.match(problem('*'), /wildcard before the first/);
    assert.match(problem('**'), /wildcard before the first/);
    assert.match(problem('nginx@*'), /wildcard before the first/);
  });

  it('rejects more than two trailing stars', () => {
    assert.match(problem('gcr.io/p/***'), /ends in 3 '\*'/);
  });

  it('warns that a tag can never match on Cloud Run', () => {
    const [warning, ...rest] = warnings('gcr.io/example-project/helloworld:latest');
    assert.deepEqual(rest, []);
    assert.equal(
      warning,
      'exempt image pattern "gcr.io/example-project/helloworld:latest" has a tag, so it can never match on Cloud Run, which matches REPO@DIGEST: write gcr.io/example-project/helloworld@* instead',
    );
    assert.match(warnings('localhost:5000/app:v1.*').join('\n'), /has a tag.*write localhost:5000\/app@\*/);
  });

  it('warns that a plain name never matches on Cloud Run', () => {
    assert.deepEqual(warnings('gcr.io/example-project-2/my-app'), [
      'exempt image pattern "gcr.io/example-project-2/my-app" never matches on Cloud Run, which evaluates NAME@sha256:<digest>; write gcr.io/example-project-2/my-app@* for every version of this image or gcr.io/example-project-2/my-app/** for everything below it',
    ]);
  });

  it('warns about digests that cannot match', () => {
    assert.match(warnings('gcr.io/p/app@sha256:abc').join(), /can never match on Cloud Run: the text after '@'/);
    assert.match(warnings('gcr.io/p/app@latest*').join(), /can never match/);
    assert.match(warnings(`gcr.io/p/app@sha512:${'0'.repeat(128)}`).join(), /can never match/);
  });

  it('warns that ** straight after a name is a bare prefix', () => {
    assert.deepEqual(warnings('gcr.io/my-project**'), [
      'exempt image pattern "gcr.io/my-project**" is a bare string prefix that also matches gcr.io/my-project-exploit/...; write gcr.io/my-project/** to exempt only what is below gcr.io/my-project',
    ]);
  });

  it('warns that * straight after a name also takes sibling images', () => {
    assert.match(warnings('gcr.io/my-project/nginx*').join(), /such as gcr\.io\/my-project\/nginx-debug; write gcr\.io\/my-project\/nginx@\*/);
  });

  it('warns about upper case, separately for the host and the path', () => {
    assert.match(warnings('GCR.IO/example-project/**').join(), /upper case in the registry host/);
    assert.match(warnings('REGION-docker.pkg.dev/PROJECT_ID/cloud-run-source-deploy/**').join(), /upper case after the registry host.*never matches/);
    assert.match(warnings(`gcr.io/p/app@sha256:${'A'.repeat(64)}`).join(), /upper case after the registry host/);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z./@:*]{0,20}$/)), (text) => {
        const parsed = parseAllowlistPattern(text);
        if (parsed.ok) {
          assert.equal(parsed.pattern.text, text);
          assert.ok(!parsed.pattern.prefix.includes('*'));
          for (const digest of [D1, null]) matchesAllowlistPattern(parsed.pattern, 'gcr.io/p/app', digest);
        } else {
          assert.ok(parsed.problem.length > 0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reference §2.4: documented examples', () => {
  it('gcr.io/my-project/nginx* matches gcr.io/my-project/nginx:latest', () => {
    assert.equal(gke('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx:latest'), true);
  });
  it('gcr.io/my-project/nginx* does not match gcr.io/my-project/nginx-images/nginx', () => {
    assert.equal(gke('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx-images/nginx'), false);
  });
  it('gcr.io/my-project/nginx** matches gcr.io/my-project/nginx-1.14.2/image:latest', () => {
    assert.equal(gke('gcr.io/my-project/nginx**', 'gcr.io/my-project/nginx-1.14.2/image:latest'), true);
  });
  it('gcr.io/my-project** matches gcr.io/my-project/nginx', () => {
    assert.equal(gke('gcr.io/my-project**', 'gcr.io/my-project/nginx'), true);
  });
  it('gcr.io/my-project** also matches gcr.io/my-project-exploit/nginx-exploit', () => {
    assert.equal(gke('gcr.io/my-project**', 'gcr.io/my-project-exploit/nginx-exploit'), true);
  });
  it('gcr.io/my-project/n*x is invalid', () => {
    assert.match(problem('gcr.io/my-project/n*x'), /wildcards are allowed only at the end/);
  });
  it('gcr.io/nginx* matches gcr.io/nginx@latest', () => {
    assert.equal(gke('gcr.io/nginx*', 'gcr.io/nginx@latest'), true);
  });
  it('gcr.io/nginx* does not match gcr.io/nginx/image', () => {
    assert.equal(gke('gcr.io/nginx*', 'gcr.io/nginx/image'), false);
  });
  it('gcr.io/nginx** matches gcr.io/nginx/image', () => {
    assert.equal(gke('gcr.io/nginx**', 'gcr.io/nginx/image'), true);
  });
  it('gcr.io/example-project/** matches gcr.io/example-project/my-directory/helloworld', () => {
    assert.equal(gke('gcr.io/example-project/**', 'gcr.io/example-project/my-directory/helloworld'), true);
    assert.equal(cloudRun('gcr.io/example-project/**', 'gcr.io/example-project/my-directory/helloworld'), 'match');
  });
  it('us-docker.pkg.dev/myproject/container/hello@* matches every version of hello on Cloud Run', () => {
    for (const digest of [D1, D2, null]) {
      assert.equal(cloudRun('us-docker.pkg.dev/myproject/container/hello@*', 'us-docker.pkg.dev/myproject/container/hello', digest), 'match');
    }
  });
  it('us-docker.pkg.dev/myproject/** matches every image in the project on Cloud Run', () => {
    for (const name of ['us-docker.pkg.dev/myproject/container/hello', 'us-docker.pkg.dev/myproject/a/b/c']) {
      assert.equal(cloudRun('us-docker.pkg.dev/myproject/**', name, null), 'match');
    }
    assert.equal(cloudRun('us-docker.pkg.dev/myproject/**', 'us-docker.pkg.dev/other/container/hello'), 'no-match');
  });
  it('IMAGE_PATH:latest cannot be used on Cloud Run', () => {
    assert.match(warnings('IMAGE_PATH:latest').join(), /has a tag, so it can never match on Cloud Run/);
    assert.equal(cloudRun('gcr.io/p/hello:latest', 'gcr.io/p/hello'), 'no-match');
  });
  it('REGION-docker.pkg.dev/PROJECT_ID/cloud-run-source-deploy/** exempts source deploys once filled in', () => {
    assert.match(warnings('REGION-docker.pkg.dev/PROJECT_ID/cloud-run-source-deploy/**').join(), /fill in any placeholders/);
    assert.equal(
      cloudRun('us-central1-docker.pkg.dev/my-proj/cloud-run-source-deploy/**', 'us-central1-docker.pkg.dev/my-proj/cloud-run-source-deploy/svc'),
      'match',
    );
  });
  it('REGION-docker.pkg.dev/PROJECT_ID/gcf-artifacts/** exempts Functions v2 images once filled in', () => {
    assert.equal(cloudRun('europe-west1-docker.pkg.dev/my-proj/gcf-artifacts/**', 'europe-west1-docker.pkg.dev/my-proj/gcf-artifacts/my--function'), 'match');
  });
});

describe('reference §10 rows 1-29: pattern matching', () => {
  it('row 1: nginx* matches nginx:latest as a GKE string', () => {
    assert.equal(gke('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx:latest'), true);
  });
  it('row 2: nginx* stops at /', () => {
    assert.equal(gke('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx-images/nginx'), false);
  });
  it('row 3: nginx** crosses /', () => {
    assert.equal(gke('gcr.io/my-project/nginx**', 'gcr.io/my-project/nginx-1.14.2/image:latest'), true);
  });
  it('row 4: my-project** matches below the project', () => {
    assert.equal(gke('gcr.io/my-project**', 'gcr.io/my-project/nginx'), true);
    assert.equal(cloudRun('gcr.io/my-project**', 'gcr.io/my-project/nginx'), 'match');
  });
  it('row 5: my-project** is a bare prefix and matches my-project-exploit', () => {
    assert.equal(gke('gcr.io/my-project**', 'gcr.io/my-project-exploit/nginx-exploit'), true);
    assert.equal(cloudRun('gcr.io/my-project**', 'gcr.io/my-project-exploit/nginx-exploit', null), 'match');
  });
  it('row 6: n*x is a policy error', () => {
    assert.equal(parseAllowlistPattern('gcr.io/my-project/n*x').ok, false);
  });
  it('row 7: gcr.io/nginx* matches gcr.io/nginx@latest', () => {
    assert.equal(gke('gcr.io/nginx*', 'gcr.io/nginx@latest'), true);
    assert.equal(cloudRun('gcr.io/nginx*', 'gcr.io/nginx'), 'match');
  });
  it('row 8: gcr.io/nginx* does not match gcr.io/nginx/image', () => {
    assert.equal(gke('gcr.io/nginx*', 'gcr.io/nginx/image'), false);
    assert.equal(cloudRun('gcr.io/nginx*', 'gcr.io/nginx/image', null), 'no-match');
  });
  it('row 9: gcr.io/nginx** matches gcr.io/nginx/image', () => {
    assert.equal(gke('gcr.io/nginx**', 'gcr.io/nginx/image'), true);
    assert.equal(cloudRun('gcr.io/nginx**', 'gcr.io/nginx/image'), 'match');
  });
  it('row 10: example-project/** exempts a subdirectory image', () => {
    assert.equal(cloudRun('gcr.io/example-project/**', 'gcr.io/example-project/my-directory/helloworld'), 'match');
  });
  it('row 11: example-project/* exempts helloworld@D1, whatever the digest', () => {
    assert.equal(cloudRun('gcr.io/example-project/*', 'gcr.io/example-project/helloworld'), 'match');
    assert.equal(cloudRun('gcr.io/example-project/*', 'gcr.io/example-project/helloworld', null), 'match');
  });
  it('row 12: example-project/* does not cross into dir/', () => {
    assert.equal(cloudRun('gcr.io/example-project/*', 'gcr.io/example-project/dir/helloworld'), 'no-match');
    assert.equal(cloudRun('gcr.io/example-project/*', 'gcr.io/example-project/dir/helloworld', null), 'no-match');
  });
  it('row 13: an exact digest pattern exempts that digest', () => {
    const text = `gcr.io/example-project/helloworld@${HELLO_DIGEST}`;
    assert.equal(cloudRun(text, 'gcr.io/example-project/helloworld', HELLO_DIGEST), 'match');
    assert.equal(cloudRun(text, 'gcr.io/example-project/helloworld', null), 'needs-digest');
  });
  it('row 14: the same digest pattern does not exempt another digest or image', () => {
    const text = `gcr.io/example-project/helloworld@${HELLO_DIGEST}`;
    assert.equal(cloudRun(text, 'gcr.io/example-project/helloworld', D1), 'no-match');
    assert.equal(cloudRun(text, 'gcr.io/example-project/other', null), 'no-match');
  });
  it('row 15: hello@* exempts hello:latest', () => {
    assert.equal(cloudRun('us-docker.pkg.dev/myproject/container/hello@*', 'us-docker.pkg.dev/myproject/container/hello'), 'match');
  });
  it('row 16: hello@* does not exempt hello-world', () => {
    assert.equal(cloudRun('us-docker.pkg.dev/myproject/container/hello@*', 'us-docker.pkg.dev/myproject/container/hello-world'), 'no-match');
    assert.equal(cloudRun('us-docker.pkg.dev/myproject/container/hello@*', 'us-docker.pkg.dev/myproject/container/hello-world', null), 'no-match');
  });
  it('row 17: myproject/** exempts container/hello:v2', () => {
    assert.equal(cloudRun('us-docker.pkg.dev/myproject/**', 'us-docker.pkg.dev/myproject/container/hello'), 'match');
  });
  it('row 18: a :latest pattern never matches on Cloud Run, with a warning', () => {
    assert.equal(cloudRun('gcr.io/example-project/helloworld:latest', 'gcr.io/example-project/helloworld'), 'no-match');
    assert.equal(cloudRun('gcr.io/example-project/helloworld:latest', 'gcr.io/example-project/helloworld', null), 'no-match');
    assert.match(warnings('gcr.io/example-project/helloworld:latest').join(), /can never match on Cloud Run/);
  });
  it('row 19: a :v1.* pattern never matches on Cloud Run, with a warning', () => {
    assert.equal(cloudRun('gcr.io/example-project/helloworld:v1.*', 'gcr.io/example-project/helloworld'), 'no-match');
    assert.equal(cloudRun('gcr.io/example-project/helloworld:v1.*', 'gcr.io/example-project/helloworld', null), 'no-match');
    assert.match(warnings('gcr.io/example-project/helloworld:v1.*').join(), /has a tag.*helloworld@\*/);
  });
  it('row 20: a plain name never matches on Cloud Run and the warning says use my-app@*', () => {
    assert.equal(cloudRun('gcr.io/example-project-2/my-app', 'gcr.io/example-project-2/my-app'), 'no-match');
    assert.equal(cloudRun('gcr.io/example-project-2/my-app', 'gcr.io/example-project-2/my-app', null), 'no-match');
    assert.match(warnings('gcr.io/example-project-2/my-app').join(), /write gcr\.io\/example-project-2\/my-app@\*/);
  });
  it('row 21: nginx* exempts nginx:1.0 by its digest form', () => {
    assert.equal(cloudRun('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx'), 'match');
    assert.equal(cloudRun('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx', null), 'match');
  });
  it('row 22: nginx* also exempts nginx-debug, with an over-match warning', () => {
    assert.equal(cloudRun('gcr.io/my-project/nginx*', 'gcr.io/my-project/nginx-debug'), 'match');
    assert.match(warnings('gcr.io/my-project/nginx*').join(), /also matches every sibling image/);
  });
  it('row 23: the source-deploy exemption exempts a source-deployed image', () => {
    assert.equal(cloudRun('us-central1-docker.pkg.dev/p/cloud-run-source-deploy/**', 'us-central1-docker.pkg.dev/p/cloud-run-source-deploy/svc', D1), 'match');
  });
  it('row 24: the region is literal', () => {
    assert.equal(cloudRun('us-central1-docker.pkg.dev/p/cloud-run-source-deploy/**', 'us-east1-docker.pkg.dev/p/cloud-run-source-deploy/svc'), 'no-match');
  });
  it('row 25: the gcf-artifacts exemption exempts a function image', () => {
    assert.equal(cloudRun('europe-west1-docker.pkg.dev/p/gcf-artifacts/**', 'europe-west1-docker.pkg.dev/p/gcf-artifacts/fn--abc'), 'match');
  });
  it('row 26: without a source-deploy pattern a source deploy is not exempt', () => {
    const patterns = [pattern('gcr.io/p/**')];
    assert.equal(matchesAnyAllowlistPattern(patterns, 'us-central1-docker.pkg.dev/p/cloud-run-source-deploy/svc', D1), 'no-match');
    assert.equal(matchesAnyAllowlistPattern([], 'us-central1-docker.pkg.dev/p/cloud-run-source-deploy/svc', null), 'no-match');
  });
  it('row 27: any one pattern may exempt the image', () => {
    const patterns = [pattern('gcr.io/example-project-1/*'), pattern('gcr.io/example-project-2/my-app@*')];
    assert.equal(matchesAnyAllowlistPattern(patterns, 'gcr.io/example-project-1/api', D1), 'match');
    assert.equal(matchesAnyAllowlistPattern(patterns, 'gcr.io/example-project-2/my-app', null), 'match');
    assert.equal(matchesAnyAllowlistPattern(patterns, 'gcr.io/example-project-3/api', D1), 'no-match');
  });
  it('row 28: gcr.i* is a policy error', () => {
    assert.equal(parseAllowlistPattern('gcr.i*').ok, false);
  });
  it('row 29: matching is case-sensitive', () => {
    assert.equal(cloudRun('GCR.IO/example-project/**', 'gcr.io/example-project/x'), 'no-match');
    assert.equal(cloudRun('GCR.IO/example-project/**', 'gcr.io/example-project/x', null), 'no-match');
  });
});

describe('matchesAllowlistPattern with an unresolved tag (digest null)', () => {
  const name = 'gcr.io/p/app';
  it('NAME@* matches whatever the digest', () => {
    assert.equal(cloudRun('gcr.io/p/app@*', name, null), 'match');
  });
  it('NAME@sha256:<hex> needs the digest; another name does not match', () => {
    assert.equal(cloudRun(`gcr.io/p/app@${D1}`, name, null), 'needs-digest');
    assert.equal(cloudRun(`gcr.io/p/other@${D1}`, name, null), 'no-match');
  });
  it('a digest prefix with a wildcard needs the digest, unless it could not start one', () => {
    assert.equal(cloudRun('gcr.io/p/app@sha256:77*', name, null), 'needs-digest');
    assert.equal(cloudRun('gcr.io/p/app@sha256:77**', name, null), 'needs-digest');
    assert.equal(cloudRun('gcr.io/p/app@sha256:*', name, null), 'match');
    assert.equal(cloudRun('gcr.io/p/app@sha*', name, null), 'match');
    assert.equal(cloudRun('gcr.io/p/app@sha256:XY*', name, null), 'no-match');
    assert.equal(cloudRun(`gcr.io/p/app@${D1}0*`, name, null), 'no-match');
  });
  it('a bad digest in an exact pattern never matches', () => {
    assert.equal(cloudRun('gcr.io/p/app@sha256:abc', name, null), 'no-match');
  });
  it('trees match whatever the digest', () => {
    assert.equal(cloudRun('gcr.io/p/**', name, null), 'match');
    assert.equal(cloudRun('gcr.io/p/*', name, null), 'match');
    assert.equal(cloudRun('gcr.io/q/**', name, null), 'no-match');
  });
  it('matchesAnyAllowlistPattern prefers a sure match, then needs-digest', () => {
    const exact = pattern(`gcr.io/p/app@${D1}`);
    assert.equal(matchesAnyAllowlistPattern([exact, pattern('gcr.io/q/**')], name, null), 'needs-digest');
    assert.equal(matchesAnyAllowlistPattern([exact, pattern('gcr.io/p/**')], name, null), 'match');
    assert.equal(matchesAnyAllowlistPattern([exact], name, D1), 'match');
  });
});

// Generators: lower-case names with a registry, and sha256 digests.
const component = fc.stringMatching(/^[a-z0-9](?:[a-z0-9._-]{0,5}[a-z0-9])?$/);
const imageName = fc
  .tuple(fc.constantFrom('gcr.io', 'us-docker.pkg.dev', 'localhost:5000', 'ghcr.io'), fc.array(component, { minLength: 1, maxLength: 4 }))
  .map(([registry, path]) => [registry, ...path].join('/'));
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const digest = hex64.map((hex) => `sha256:${hex}`);
const flipFirst = (hex: string): string => (hex.startsWith('0') ? '1' : '0') + hex.slice(1);

describe('properties', () => {
  it('NAME@* always matches NAME, at any or unknown digest', () => {
    fc.assert(
      fc.property(imageName, digest, (name, d) => {
        const p = pattern(`${name}@*`);
        assert.equal(matchesAllowlistPattern(p, name, d), 'match');
        assert.equal(matchesAllowlistPattern(p, name, null), 'match');
      }),
    );
  });

  it('NAME/** matches everything below NAME', () => {
    fc.assert(
      fc.property(imageName, fc.array(component, { minLength: 1, maxLength: 3 }), digest, (name, below, d) => {
        const p = pattern(`${name}/**`);
        const child = `${name}/${below.join('/')}`;
        assert.equal(matchesAllowlistPattern(p, child, d), 'match');
        assert.equal(matchesAllowlistPattern(p, child, null), 'match');
        assert.equal(matchesAllowlistPattern(p, name, d), 'no-match');
      }),
    );
  });

  it('a * pattern never matches across /', () => {
    fc.assert(
      fc.property(imageName, component, component, fc.option(digest, { nil: null }), (name, middle, leaf, d) => {
        const p = pattern(`${name}*`);
        const deeper = `${name}${middle}/${leaf}`;
        assert.equal(matchesAllowlistPattern(p, deeper, d), 'no-match');
        assert.equal(matchesAllowlistPattern(p, `${name}/${leaf}`, d), 'no-match');
        assert.equal(matchesAllowlistPattern(p, `${name}${middle}`, d), 'match');
      }),
    );
  });

  // Patterns built from the image's own name that reach into E's digest, plus unrelated ones, so every branch
  // of the unknown-digest reasoning runs.
  const digestCut = fc.tuple(hex64, fc.nat({ max: 72 }), fc.constantFrom('', '*', '**'));
  const tail = fc.constantFrom('@*', '/**', '*', '**', '', ':latest', '@sha256:', '@sha256:ab*', '@sha256:AB*', '@sha512:*');
  const otherPattern = fc.tuple(imageName, fc.constantFrom('@*', '/**', '*', '**', '@sha256:0*')).map(([other, t]) => other + t);
  const randomPattern = fc.stringMatching(/^[a-z]{1,3}\.io\/[a-z0-9/@:.-]{0,12}\*{0,2}$/);
  const patternFor = (name: string): fc.Arbitrary<string> =>
    fc.oneof(
      digestCut.map(([hex, cut, stars]) => `${name}@sha256:${hex}`.slice(0, name.length + cut) + stars),
      tail.map((t) => name + t),
      otherPattern,
      randomPattern,
    );

  it('digest null gives needs-digest exactly when two concrete digests disagree', () => {
    const cases = imageName.chain((name) => fc.tuple(fc.constant(name), patternFor(name), fc.array(digest, { minLength: 2, maxLength: 4 })));
    fc.assert(
      fc.property(cases, ([name, text, randomDigests]) => {
        const parsed = parseAllowlistPattern(text);
        fc.pre(parsed.ok);
        if (!parsed.ok) return;
        const p = parsed.pattern;
        // Digests shaped by the pattern itself, so a digest-prefix pattern has a digest it accepts and one it refuses.
        const hexInPattern = (p.wildcard === 'none' ? p.text : p.prefix).split('@sha256:')[1] ?? '';
        const shaped = /^[0-9a-f]{0,64}$/.test(hexInPattern)
          ? [hexInPattern.padEnd(64, '0'), hexInPattern.padEnd(64, 'f'), flipFirst(hexInPattern).padEnd(64, '0')]
          : [];
        const concrete = [...shaped.map((hex) => `sha256:${hex}`), ...randomDigests, D1, D2].map((d) => matchesAllowlistPattern(p, name, d));
        const unknown = matchesAllowlistPattern(p, name, null);
        const distinct = new Set(concrete);
        if (unknown === 'needs-digest') assert.equal(distinct.size, 2, `${text} vs ${name}: no two digests disagree`);
        else assert.deepEqual([...distinct], [unknown], `${text} vs ${name}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('digest null over the pattern’s own name: needs-digest only with a digest in the pattern', () => {
    fc.assert(
      fc.property(imageName, hex64, fc.nat({ max: 64 }), (name, hex, cut) => {
        const exact = pattern(`${name}@sha256:${hex}`);
        assert.equal(matchesAllowlistPattern(exact, name, null), 'needs-digest');
        assert.equal(matchesAllowlistPattern(exact, name, `sha256:${hex}`), 'match');
        const partial = pattern(`${name}@sha256:${hex.slice(0, cut)}*`);
        assert.equal(matchesAllowlistPattern(partial, name, null), cut === 0 ? 'match' : 'needs-digest');
      }),
    );
  });
});
