// Walking folders: symlinked folders inside the root are followed, loops end and are listed,
// and what cannot be read is an error naming the path, never dropped silently.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';
import { findManifestFiles, walkFiles } from '../../src/files/manifest-files.ts';

const base = realpathSync(tempDir(after, 'walk-'));

function tree(name: string, build: (root: string) => void): string {
  const root = join(base, name);
  mkdirSync(root, { recursive: true });
  build(root);
  return root;
}

async function walk(root: string, maxFolders?: number) {
  const files: string[] = [];
  const findings = await walkFiles(
    root,
    root,
    root,
    (_, name) => name.endsWith('.yaml'),
    (path) => files.push(path.slice(root.length + 1)),
    maxFolders,
  );
  return { files, ...findings };
}

describe('walkFiles', () => {
  it('follows a symlinked folder inside the root under its own path', async () => {
    const root = tree('follow', (r) => {
      mkdirSync(join(r, 'k8s', 'prod'), { recursive: true });
      writeFileSync(join(r, 'k8s', 'prod', 'svc.yaml'), 'x');
      symlinkSync('k8s/prod', join(r, 'deploy'));
    });
    const found = await walk(root);
    assert.deepEqual(found.files, ['deploy/svc.yaml']);
    assert.deepEqual(found.problems, []);
    assert.equal(found.skipped.length, 1, 'the second path to the same file is listed');
    assert.ok(found.skipped[0]?.file.endsWith('k8s/prod/svc.yaml'));
    assert.match(found.skipped[0]?.why ?? '', /^the same file as .*deploy\/svc\.yaml \(through a symlink\): read once$/);
  });
  it('ends a symlink loop and lists it as skipped', async () => {
    const root = tree('loop', (r) => {
      mkdirSync(join(r, 'a'));
      writeFileSync(join(r, 'a', 'svc.yaml'), 'x');
      symlinkSync('..', join(r, 'a', 'up'));
    });
    const found = await walk(root);
    assert.deepEqual(found.files, ['a/svc.yaml']);
    assert.equal(found.skipped.length, 1);
    assert.match(found.skipped[0]?.why ?? '', /^symlink loop: leads back to /);
    assert.ok(found.skipped[0]?.file.endsWith('a/up'));
  });
  it('stops a fan-out of symlinked folders and says so', async () => {
    const root = tree('fan', (r) => {
      // each level links twice to the next: 2^n paths
      for (let i = 0; i < 12; i++) {
        mkdirSync(join(r, `l${i}`));
        symlinkSync(`../l${i + 1}`, join(r, `l${i}`, 'a'));
        symlinkSync(`../l${i + 1}`, join(r, `l${i}`, 'b'));
      }
      mkdirSync(join(r, 'l12'));
    });
    const found = await walk(root, 500);
    assert.ok(
      found.problems.some((p) => /the walk stopped after 500 folders/.test(p.message)),
      JSON.stringify(found.problems.slice(0, 3)),
    );
  });
  it('a symlink or a device leaving the root is an error naming where it points; unpicked files are not looked at', async () => {
    const root = tree('out', (r) => {
      symlinkSync('/dev/zero', join(r, 'zero.yaml'));
      symlinkSync('/etc', join(r, 'etc'));
      symlinkSync('/etc/hostname', join(r, 'README'));
      execFileSync('mkfifo', [join(r, 'pipe.yaml')]);
      execFileSync('mkfifo', [join(r, 'pipe.txt')]);
    });
    const found = await walk(root);
    assert.deepEqual(found.files, []);
    const messages = found.problems.map((p) => `${p.file.split('/').pop()}: ${p.message}`);
    assert.deepEqual(messages, [
      `etc: symlink: leaves the root ${root} (it points to /etc): not read`,
      'pipe.yaml: is a FIFO (named pipe), not a regular file: not read',
      `zero.yaml: symlink: leaves the root ${root} (it points to /dev/zero): not read`,
    ]);
  });
});

describe('findManifestFiles', () => {
  it('refuses absolute paths and `..` from a files list; a listed path is confined to the working folder', async () => {
    const root = tree('listed', (r) => writeFileSync(join(r, 'svc.yaml'), 'x'));
    const found = await findManifestFiles(['svc.yaml', '/etc/passwd', '../x.yaml'], { workingFolder: root, paths: 'listed' });
    assert.deepEqual(found.files, [{ path: join(root, 'svc.yaml'), root }]);
    assert.deepEqual(
      found.problems.map((p) => p.message),
      ['is an absolute path, outside the repository: not read', 'has a ".." segment, which could leave the repository: not read'],
    );
  });
  it('a named file is read whatever its extension; a named folder is its own root', async () => {
    const root = tree('named', (r) => {
      mkdirSync(join(r, 'deploy'));
      writeFileSync(join(r, 'svc.txt'), 'x');
      writeFileSync(join(r, 'other.yaml'), 'x');
      symlinkSync('../other.yaml', join(r, 'deploy', 'svc.yaml'));
    });
    const found = await findManifestFiles(['svc.txt', 'deploy'], { workingFolder: root, paths: 'named' });
    assert.deepEqual(found.files, [{ path: join(root, 'svc.txt'), root }]);
    assert.equal(found.problems.length, 1);
    assert.match(found.problems[0]?.message ?? '', new RegExp(`leaves the root ${join(root, 'deploy')} \\(it points to ${join(root, 'other.yaml')}\\)`));
  });
});
