// Finds and reads the manifest files named on the command line. The only module of the
// check that touches the file system; every failure becomes a problem naming the path.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeText } from '../yaml/yaml-source.ts';
import type { FileProblem } from '../manifests/workload.ts';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface FoundFiles {
  readonly files: readonly string[];
  readonly problems: readonly FileProblem[];
}

/** Files are taken as given; folders are walked for *.yaml, *.yml and *.json (not following symlinked folders). */
export function findManifestFiles(paths: readonly string[]): FoundFiles {
  const files = new Set<string>();
  const problems: FileProblem[] = [];
  for (const path of paths) {
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (error) {
      problems.push({ file: displayPath(path), line: null, message: `cannot read: ${ioMessage(error)}` });
      continue;
    }
    if (isFolder) walk(path, files, problems);
    else files.add(path);
  }
  return { files: [...files].sort(), problems };
}

function walk(folder: string, files: Set<string>, problems: FileProblem[]): void {
  walkFiles(folder, (path, name) => {
    if (MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext))) files.add(path);
  }, (path, error) => problems.push({ file: displayPath(path), line: null, message: `cannot list folder: ${ioMessage(error)}` }));
}

/**
 * Calls `visit` for every file below `root` (symlinks to files included, symlinked folders not
 * followed), skipping node_modules and .git; a folder that cannot be listed goes to `failed`.
 */
export function walkFiles(root: string, visit: (path: string, name: string) => void, failed: (path: string, error: unknown) => void = () => {}): void {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    failed(root, error);
    return;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) walkFiles(path, visit, failed);
    } else if (entry.isFile() || isFileLink(path)) {
      visit(path, entry.name);
    }
  }
}

function isFileLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && statSync(path).isFile();
  } catch {
    return false;
  }
}

export type ReadFile = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

/** Reads one text file, refusing files over `maxBytes` before reading them. */
export function readTextFile(path: string, maxBytes: number): ReadFile {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) {
      return { ok: false, problem: `the file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for one file (--max-file-size): not read` };
    }
    const decoded = decodeText(readFileSync(path));
    return decoded.ok ? decoded : { ok: false, problem: decoded.problem };
  } catch (error) {
    return { ok: false, problem: `cannot read: ${ioMessage(error)}` };
  }
}

/** Paths in reports are relative to the working folder, with forward slashes. */
export function displayPath(path: string): string {
  const shown = relative(process.cwd(), path) || path;
  return (shown.startsWith('..') ? path : shown).split(sep).join('/');
}

function ioMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return error instanceof Error ? error.message : String(error);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
