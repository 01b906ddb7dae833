// The bounded reader: only regular files, never a blocking open, never more than limit + 1 bytes.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';
import fc from 'fast-check';
import { readFileBounded, readTextFile, readTextFileSync, readUpTo } from '../../src/files/safe-read.ts';

const dir = realpathSync(tempDir(after, 'safe-read-'));
const fifo = join(dir, 'pipe.yaml');
execFileSync('mkfifo', [fifo]);
writeFileSync(join(dir, 'svc.yaml'), 'kind: Service\n');
symlinkSync('/dev/zero', join(dir, 'zero.yaml'));

describe('readFileBounded', () => {
  it('reads a regular file inside its root', async () => {
    assert.deepEqual(await readTextFile(join(dir, 'svc.yaml'), { root: dir, maxBytes: 100 }), { ok: true, text: 'kind: Service\n' });
  });
  it('refuses a file over the limit, naming the limit and the flag', async () => {
    const read = await readFileBounded(join(dir, 'svc.yaml'), { root: dir, maxBytes: 10 });
    assert.deepEqual(read, { ok: false, problem: 'the file is 14 bytes, over the 10 bytes limit for one file (max file size): not read' });
  });
  it('refuses devices and FIFOs without blocking, with or without a root', async () => {
    const started = performance.now();
    for (const [path, kind] of [
      ['/dev/zero', 'character device'],
      ['/dev/urandom', 'character device'],
      [fifo, 'FIFO'],
    ] as const) {
      const read = await readFileBounded(path, { root: null, maxBytes: 1024 });
      assert.ok(!read.ok && read.problem.includes(kind) && read.problem.endsWith('not read'), JSON.stringify(read));
      const sync = readTextFileSync(path, { root: null, maxBytes: 1024 });
      assert.ok(!sync.ok && sync.problem.includes(kind), JSON.stringify(sync));
    }
    assert.ok(performance.now() - started < 2000);
  });
  it('refuses a socket', async () => {
    const socket = join(dir, 's.yaml');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const read = await readFileBounded(socket, { root: dir, maxBytes: 1024 });
      assert.ok(!read.ok && read.problem.includes('socket'), JSON.stringify(read));
    } finally {
      server.close();
    }
  });
  it('refuses a symlink to /dev/zero leaving the root before looking at it', async () => {
    const read = await readFileBounded(join(dir, 'zero.yaml'), { root: dir, maxBytes: 1024 });
    assert.ok(!read.ok && read.problem.includes('leaves the root') && read.problem.includes('/dev/zero'), JSON.stringify(read));
  });
  it('follows a symlink when no root confines the path (a file the environment names)', async () => {
    const link = join(dir, 'adc-link.json');
    symlinkSync(join(dir, 'svc.yaml'), link);
    assert.deepEqual(await readTextFile(link, { root: null, maxBytes: 100 }), { ok: true, text: 'kind: Service\n' });
    assert.deepEqual(readTextFileSync(link, { root: null, maxBytes: 100 }), { ok: true, text: 'kind: Service\n' });
  });
  it('says a missing file is missing', async () => {
    const read = await readFileBounded(join(dir, 'missing.yaml'), { root: null, maxBytes: 100 });
    assert.deepEqual(read, { ok: false, problem: 'cannot read: no such file or folder' });
  });
});

describe('readUpTo', () => {
  it('never asks for more than limit + 1 bytes from an endless source, and refuses it (property)', async () => {
    // A device says its size is 0: whatever the size hint, the read stops at limit + 1.
    const hint = fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 70_000 }), hint, async (limit, chunk, expectedBytes) => {
        let asked = 0;
        const endless = async (buffer: Buffer, offset: number, length: number) => {
          const count = Math.min(length, chunk);
          buffer.fill(0, offset, offset + count);
          asked += count;
          return count;
        };
        const read = await readUpTo(limit, endless, expectedBytes);
        assert.equal(read.ok, false);
        assert.equal(asked, limit + 1);
      }),
      { numRuns: 50 },
    );
  });
  it('returns every byte of a source at or under the limit (property)', async () => {
    // The size fstat gave sizes the first buffer; a file that grew or shrank since is still read whole.
    const expected = fc.option(fc.integer({ min: 0, max: 6000 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 100 }), expected, async (bytes, slack, expectedBytes) => {
        let at = 0;
        const reader = async (buffer: Buffer, offset: number, length: number) => {
          const count = Math.min(length, bytes.length - at, 777);
          buffer.set(bytes.subarray(at, at + count), offset);
          at += count;
          return count;
        };
        const read = await readUpTo(bytes.length + slack, reader, expectedBytes);
        assert.ok(read.ok);
        assert.deepEqual(new Uint8Array(read.bytes), bytes);
      }),
      { numRuns: 200 },
    );
  });
});
