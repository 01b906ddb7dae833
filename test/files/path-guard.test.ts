// The path checks: a files-list path is relative with no `..`; a real path must stay inside its
// root and out of `.git`, whatever symlinks lead there.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tempDir } from '../helpers/temp.ts';
import fc from 'fast-check';
import { confine, confineSync, isInside, listedPathProblem, rootOfNamedFile } from '../../src/files/path-guard.ts';

const base = realpathSync(tempDir(after, 'path-guard-'));
const root = join(base, 'repo');
mkdirSync(join(root, 'deploy'), { recursive: true });
mkdirSync(join(root, '.git'));
writeFileSync(join(root, '.git', 'config'), '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic SECRETVALUE\n');
writeFileSync(join(root, 'deploy', 'svc.yaml'), 'kind: Service\n');
writeFileSync(join(base, 'outside.yaml'), 'kind: Service\n');
symlinkSync('../.git/config', join(root, 'deploy', 'x.yaml'));
symlinkSync('../../outside.yaml', join(root, 'deploy', 'out.yaml'));
symlinkSync('svc.yaml', join(root, 'deploy', 'in.yaml'));
symlinkSync('/dev/zero', join(root, 'deploy', 'zero.yaml'));
symlinkSync(base, join(root, 'up'));

describe('listedPathProblem', () => {
  it('accepts relative paths and refuses absolute ones, `..` segments, NUL and the empty path', () => {
    assert.equal(listedPathProblem('deploy/svc.yaml'), null);
    assert.equal(listedPathProblem('a..b/..c.yaml'), null);
    assert.match(listedPathProblem('/etc/passwd') ?? '', /absolute/);
    assert.match(listedPathProblem('C:/x.yaml') ?? '', /absolute/);
    assert.match(listedPathProblem('deploy/../../x.yaml') ?? '', /"\.\."/);
    assert.match(listedPathProblem('..\\x.yaml') ?? '', /"\.\."/);
    assert.match(listedPathProblem('a\0b') ?? '', /not a file path/);
    assert.match(listedPathProblem('') ?? '', /not a file path/);
  });
  it('refuses every path with a `..` segment anywhere (property)', () => {
    const segment = fc.stringMatching(/^[a-z.]{1,6}$/).filter((s) => s !== '..' && s !== '.');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.array(segment, { maxLength: 5 }), fc.constantFrom('/', '\\'), (before, rest, slash) => {
        assert.notEqual(listedPathProblem([...before, '..', ...rest].join(slash)), null);
        if (before.length + rest.length > 0) assert.equal(listedPathProblem([...before, ...rest].join('/')), null);
      }),
    );
  });
});

describe('isInside', () => {
  it('is true for the folder itself and what is below it, false for siblings that share a prefix', () => {
    assert.ok(isInside('/a/b', '/a/b'));
    assert.ok(isInside('/a/b/c', '/a/b'));
    assert.ok(!isInside('/a/bc', '/a/b'));
    assert.ok(!isInside('/a', '/a/b'));
  });
  it('agrees with lexical resolution for random `..` nestings (property)', () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', 'c..d');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const path = resolve('/r/x', ...segments);
        const expected = path === '/r/x' || path.startsWith('/r/x/');
        assert.equal(isInside(path, '/r/x'), expected, segments.join('/'));
      }),
    );
  });
});

describe('confine', () => {
  it('accepts a file and a symlink to a file inside the root', async () => {
    assert.deepEqual(await confine(join(root, 'deploy', 'svc.yaml'), root), { ok: true, real: join(root, 'deploy', 'svc.yaml') });
    assert.deepEqual(await confine(join(root, 'deploy', 'in.yaml'), root), { ok: true, real: join(root, 'deploy', 'svc.yaml') });
  });
  it('refuses a symlink into .git, naming where it points', async () => {
    const check = await confine(join(root, 'deploy', 'x.yaml'), root);
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.problem, /inside a \.git folder.*points to .*\.git\/config/);
  });
  it('refuses symlinks that leave the root: a file, a device, a folder', async () => {
    for (const [path, target] of [
      [join(root, 'deploy', 'out.yaml'), join(base, 'outside.yaml')],
      [join(root, 'deploy', 'zero.yaml'), '/dev/zero'],
      [join(root, 'up', 'outside.yaml'), join(base, 'outside.yaml')],
    ] as const) {
      const check = await confine(path, root);
      assert.equal(check.ok, false, path);
      assert.ok(!check.ok && check.problem.includes(`leaves the root ${root}`) && check.problem.includes(target), !check.ok ? check.problem : '');
      assert.deepEqual(confineSync(path, root), check, 'the synchronous check agrees');
    }
  });
  it('says when a path does not exist or is a dangling symlink', async () => {
    symlinkSync('nowhere.yaml', join(root, 'deploy', 'dangling.yaml'));
    for (const name of ['missing.yaml', 'dangling.yaml']) {
      const check = await confine(join(root, 'deploy', name), root);
      assert.match(check.ok ? '' : check.problem, /no such file/);
    }
  });
  it('random chains of symlinks are accepted exactly when their end is inside the root and outside .git (property)', async () => {
    const chains = join(root, 'chains');
    mkdirSync(chains);
    const targets = [join(root, 'deploy', 'svc.yaml'), join(base, 'outside.yaml'), join(root, '.git', 'config')];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (end, length, relativeLinks) => {
        const id = n++;
        let previous = targets[end] as string;
        for (let i = 0; i < length; i++) {
          const link = join(chains, `c${id}-${i}`);
          symlinkSync(relativeLinks ? relative(chains, previous) : previous, link);
          previous = link;
        }
        const check = await confine(previous, root);
        const real = realpathSync(previous);
        assert.equal(check.ok, real === targets[0], `${previous} -> ${real}`);
      }),
      { numRuns: 30 },
    );
  });
});

describe('rootOfNamedFile', () => {
  it('is the working folder for a file in it, else the file’s own folder', () => {
    assert.equal(rootOfNamedFile('deploy/svc.yaml', '/work'), '/work');
    assert.equal(rootOfNamedFile('/work/a/b.yaml', '/work'), '/work');
    assert.equal(rootOfNamedFile('/elsewhere/p.yaml', '/work'), '/elsewhere');
    assert.equal(rootOfNamedFile('../p.yaml', '/work/sub'), '/work');
  });
});
