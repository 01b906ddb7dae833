// The one way the CLI and the action read a file. A device (/dev/zero, /dev/urandom), a FIFO or
// a socket is refused before it is opened, and again on the opened descriptor (a path swapped
// between the check and the open); the open never follows a final symlink and never blocks on a
// FIFO; and the read stops at limit + 1 bytes actually read, because `stat` says 0 for devices.
// Reads are asynchronous, in chunks, so the run's timers (--timeout) keep firing.
import { constants, closeSync, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { confine, confineSync, type Root } from './path-guard.ts';
import { decodeText } from '../yaml/yaml-source.ts';
import { messageOf } from '../errors.ts';

export interface ReadOptions {
  /**
   * The folder the file's real path must stay inside, or null for a file the runner or the
   * operator's environment names (GITHUB_EVENT_PATH, GOOGLE_APPLICATION_CREDENTIALS).
   */
  readonly root: Root | null;
  readonly maxBytes: number;
}

export type ReadBytes = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly problem: string };
export type ReadFile = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

const CHUNK = 64 * 1024;
// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where FIFOs and symlinks are not the threat.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Reads a regular file of at most `maxBytes` bytes; every failure is a problem, never a throw. */
export async function readFileBounded(path: string, options: ReadOptions): Promise<ReadBytes> {
  const confined =
    options.root === null
      ? await realpath(path).then(
          (real) => ({ ok: true as const, real }),
          (error: unknown) => ({ ok: false as const, problem: ioProblem(error) }),
        )
      : await confine(path, options.root);
  if (!confined.ok) return confined;
  const real = confined.real;
  try {
    const before = await stat(real);
    const kind = notRegular(before);
    if (kind) return { ok: false, problem: `${kind}, not a regular file: not read` };
    const handle = await open(real, OPEN_FLAGS);
    try {
      const opened = await handle.stat();
      const swapped = notRegular(opened) ?? (sameFile(before, opened) ? null : 'was replaced while being opened');
      if (swapped) return { ok: false, problem: `${swapped}: not read` };
      // A regular file's size refuses it early; the bounded read below is what holds.
      if (opened.size > options.maxBytes) return overLimit(options.maxBytes, opened.size);
      const readChunk: ReadChunk = (buffer, offset, length) => handle.read(buffer, offset, length, null).then((r) => r.bytesRead);
      return await readUpTo(options.maxBytes, readChunk, opened.size);
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, problem: ioProblem(error) };
  }
}

/** A bounded read decoded as text (UTF-8, or UTF-16 with a byte-order mark). */
export async function readTextFile(path: string, options: ReadOptions): Promise<ReadFile> {
  return decoded(await readFileBounded(path, options));
}

/**
 * The same rules, synchronously, for the few small files read while the command line is parsed,
 * before any timer exists (the ADC file's project and credentials, the event payload). Bounded
 * and never blocking, so it cannot hang either.
 */
export function readTextFileSync(path: string, options: ReadOptions): ReadFile {
  let real: string;
  try {
    const confined = options.root === null ? { ok: true as const, real: realpathSync(path) } : confineSync(path, options.root);
    if (!confined.ok) return confined;
    real = confined.real;
  } catch (error) {
    return { ok: false, problem: ioProblem(error) };
  }
  try {
    const before = statSync(real);
    const kind = notRegular(before);
    if (kind) return { ok: false, problem: `${kind}, not a regular file: not read` };
    const fd = openSync(real, OPEN_FLAGS);
    try {
      const opened = fstatSync(fd);
      const swapped = notRegular(opened) ?? (sameFile(before, opened) ? null : 'was replaced while being opened');
      if (swapped) return { ok: false, problem: `${swapped}: not read` };
      if (opened.size > options.maxBytes) return overLimit(options.maxBytes, opened.size);
      const reads = boundedReads(options.maxBytes, opened.size);
      let step = reads.next();
      while (!step.done) step = reads.next(readSync(fd, step.value.buffer, step.value.offset, step.value.length, null));
      return decoded(step.value);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { ok: false, problem: ioProblem(error) };
  }
}

type ReadChunk = (buffer: Buffer, offset: number, length: number) => Promise<number>;

/** Reads until end of file or limit + 1 bytes, whichever comes first (see `boundedReads`). */
export async function readUpTo(maxBytes: number, read: ReadChunk, expectedBytes = CHUNK): Promise<ReadBytes> {
  const reads = boundedReads(maxBytes, expectedBytes);
  let step = reads.next();
  while (!step.done) step = reads.next(await read(step.value.buffer, step.value.offset, step.value.length));
  return step.value;
}

interface ReadRequest {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly length: number;
}

/**
 * The bounded read, for a synchronous and an asynchronous reader alike: it yields where to read next
 * and is sent how many bytes came, until end of file or limit + 1 bytes. `expectedBytes` (the size
 * fstat gave) sizes the first buffer, one byte over so that a file of that size ends in it: a small
 * file costs one small buffer, not a zeroed chunk per read. Bytes past those read are never returned.
 */
function* boundedReads(maxBytes: number, expectedBytes: number): Generator<ReadRequest, ReadBytes, number> {
  const chunks: Buffer[] = [];
  let total = 0;
  let buffer = Buffer.allocUnsafe(Math.min(expectedBytes + 1, CHUNK, maxBytes + 1));
  let used = 0;
  while (total <= maxBytes) {
    if (used === buffer.length) {
      chunks.push(buffer);
      buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      used = 0;
    }
    const count = yield { buffer, offset: used, length: buffer.length - used };
    if (count === 0) break;
    used += count;
    total += count;
  }
  if (total > maxBytes) return overLimit(maxBytes);
  chunks.push(buffer.subarray(0, used));
  return { ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
}

function overLimit(maxBytes: number, size: number | null = null): { readonly ok: false; readonly problem: string } {
  const what = size === null ? 'the file is' : `the file is ${formatBytes(size)},`;
  return { ok: false, problem: `${what} over the ${formatBytes(maxBytes)} limit for one file (max file size): not read` };
}

function decoded(read: ReadBytes): ReadFile {
  if (!read.ok) return read;
  const text = decodeText(read.bytes);
  return text.ok ? text : { ok: false, problem: text.problem };
}

/** What a file (its Stats, or a folder's Dirent) is when it is not a regular file, or null. */
export function notRegular(stats: Pick<Stats, 'isFile' | 'isDirectory' | 'isCharacterDevice' | 'isBlockDevice' | 'isFIFO' | 'isSocket'>): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'is a folder';
  if (stats.isCharacterDevice()) return 'is a character device';
  if (stats.isBlockDevice()) return 'is a block device';
  if (stats.isFIFO()) return 'is a FIFO (named pipe)';
  if (stats.isSocket()) return 'is a socket';
  return 'is not a regular file';
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export function ioProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'cannot read: no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read: permission denied';
  if (code === 'EISDIR') return 'cannot read: is a folder';
  if (code === 'ELOOP') return 'is a symlink (replaced while being opened): not read';
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 'would block (not a regular file): not read';
  return `cannot read: ${code ?? messageOf(error)}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${bytes} bytes`;
}
