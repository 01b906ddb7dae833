// Files the operator names (policy, attestors, attestations, keys): read with the rules of every
// file (regular, bounded, confined to the working folder or the file's own folder).
import { resolve } from 'node:path';
import { rootOfNamedFile } from '../files/path-guard.ts';
import { readTextFile } from '../files/safe-read.ts';
import type { NamedFileReading } from './settings.ts';

export function readNamedFile(path: string, reading: NamedFileReading): ReturnType<typeof readTextFile> {
  const absolute = resolve(reading.workingFolder, path);
  return readTextFile(absolute, { root: rootOfNamedFile(absolute, reading.workingFolder), maxBytes: reading.maxFileBytes });
}
