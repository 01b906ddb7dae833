// Finds the manifest files to read: files as named, folders walked. Symlinked folders inside the
// root are followed (never into a folder that holds them, so loops end); nothing found on the way
// is dropped silently: a symlink leaving the root, a device, FIFO or socket with a manifest's
// name, or a folder that cannot be listed is an error, and a loop or a second path to a file
// already found is a skipped entry. Only `node_modules` and `.git` folders are passed over
// without a word (README: "Reading files").
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { FileProblem, SkippedDocument } from '../manifests/workload.ts';
import { confine, listedPathProblem, rootOfNamedFile, type Root } from './path-guard.ts';
import { ioProblem, notRegular } from './safe-read.ts';

export { readTextFile, type ReadFile } from './safe-read.ts';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Where the paths of a run come from, and so which root confines them. The working folder is
 * passed by the front end: the CLI's current folder, the action's GITHUB_WORKSPACE.
 * - `named`: the operator named them (CLI arguments): a folder is its own root, a file's root is
 *   the working folder (or its own folder when it lies elsewhere).
 * - `listed`: they came from GitHub's files list or a workspace scan: relative, no `..`, and
 *   confined to the working folder.
 */
export interface FileScope {
  readonly workingFolder: string;
  readonly paths: 'named' | 'listed';
}

/** A file to read and the root its real path must stay in. */
export interface FoundFile {
  readonly path: string;
  readonly root: Root;
}

export interface FoundFiles {
  readonly files: readonly FoundFile[];
  readonly skipped: readonly SkippedDocument[];
  readonly problems: readonly FileProblem[];
}

export interface WalkFindings {
  readonly skipped: SkippedDocument[];
  readonly problems: FileProblem[];
}

/** Files are taken as given (whatever their extension); folders are walked for *.yaml, *.yml and *.json. */
export async function findManifestFiles(paths: readonly string[], scope: FileScope): Promise<FoundFiles> {
  const files = new Map<string, FoundFile>();
  const findings: WalkFindings = { skipped: [], problems: [] };
  for (const path of paths) {
    const absolute = resolve(scope.workingFolder, path);
    if (scope.paths === 'listed') {
      const problem = listedPathProblem(path);
      if (problem) findings.problems.push({ file: displayPath(path, scope.workingFolder), line: null, message: problem });
      else files.set(absolute, { path: absolute, root: resolve(scope.workingFolder) });
      continue;
    }
    let isFolder: boolean;
    try {
      isFolder = (await stat(absolute)).isDirectory();
    } catch (error) {
      findings.problems.push({ file: displayPath(absolute, scope.workingFolder), line: null, message: ioProblem(error) });
      continue;
    }
    if (!isFolder) {
      files.set(absolute, { path: absolute, root: rootOfNamedFile(absolute, scope.workingFolder) });
      continue;
    }
    const found = await walkFiles(
      absolute,
      absolute,
      scope.workingFolder,
      (_, name) => hasManifestExtension(name),
      (file) => files.set(file, { path: file, root: absolute }),
    );
    findings.skipped.push(...found.skipped);
    findings.problems.push(...found.problems);
  }
  return { files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), ...findings };
}

function hasManifestExtension(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/** A walk of symlinked folders could fan out without end (links to links); past this it stops, with an error. */
const MAX_FOLDERS_PER_WALK = 20_000;

/** What one walk shares: the root, the files already found by real path, what it found. */
interface Walk {
  readonly realRoot: string;
  /** The folder paths are shown relative to. */
  readonly base: string;
  readonly files: Map<string, string>;
  readonly select: (path: string, name: string) => boolean;
  readonly visit: (path: string) => void;
  readonly findings: WalkFindings;
  readonly maxFolders: number;
  folders: number;
}

/**
 * Calls `visit` for every regular file below `folder` that `select` picks (through symlinks that
 * stay inside `root`), in name order, each real file once. Entries `select` does not pick are not
 * looked at, except folders: a symlinked folder leaving the root is an error, since what it holds
 * went unchecked. Symlinked folders are followed under their own path (patterns match paths), and
 * a symlink back to a folder it is inside of is a loop: listed as skipped, not walked.
 */
export async function walkFiles(
  folder: string,
  root: Root,
  base: string,
  select: (path: string, name: string) => boolean,
  visit: (path: string) => void,
  maxFolders: number = MAX_FOLDERS_PER_WALK,
): Promise<WalkFindings> {
  const findings: WalkFindings = { skipped: [], problems: [] };
  const start = await confine(folder, root);
  if (!start.ok) {
    findings.problems.push({ file: displayPath(folder, base), line: null, message: `cannot walk: ${start.problem}` });
    return findings;
  }
  const walk: Walk = { realRoot: start.real, base, files: new Map(), select, visit, findings, folders: 0, maxFolders };
  await walkFolder(walk, folder, start.real, new Map());
  return findings;
}

/** `inside` maps the real folders this one is inside of (by device and inode) to their paths. */
async function walkFolder(walk: Walk, folder: string, real: string, inside: ReadonlyMap<string, string>): Promise<void> {
  const id = await folderId(real);
  const outer = inside.get(id);
  if (outer !== undefined) {
    walk.findings.skipped.push({
      file: displayPath(folder, walk.base),
      line: 0,
      kind: 'symlinked folder',
      why: `symlink loop: leads back to ${displayPath(outer, walk.base)}, which holds it: not walked again`,
    });
    return;
  }
  if (++walk.folders > walk.maxFolders) {
    if (walk.folders === walk.maxFolders + 1)
      walk.findings.problems.push({
        file: displayPath(folder, walk.base),
        line: null,
        message: `the walk stopped after ${walk.maxFolders} folders (symlinked folders fanning out?): the rest was not checked`,
      });
    return;
  }
  const within = new Map(inside).set(id, folder);
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    walk.findings.problems.push({
      file: displayPath(folder, walk.base),
      line: null,
      message: `cannot list folder: ${ioProblem(error).replace(/^cannot read: /, '')}`,
    });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) await walkFolder(walk, path, join(real, entry.name), within);
    } else if (entry.isSymbolicLink()) {
      await followLink(walk, path, entry.name, within);
    } else if (walk.select(path, entry.name)) {
      if (entry.isFile()) found(walk, path, join(real, entry.name));
      else walk.findings.problems.push({ file: displayPath(path, walk.base), line: null, message: `${notRegular(entry)}, not a regular file: not read` });
    }
  }
}

async function followLink(walk: Walk, path: string, name: string, inside: ReadonlyMap<string, string>): Promise<void> {
  const target = await stat(path).catch(() => null);
  const confined = await confine(path, walk.realRoot);
  if (!confined.ok) {
    // A file link the walk would not read anyway is not a manifest; a folder link hides files.
    if (target?.isDirectory() || walk.select(path, name))
      walk.findings.problems.push({ file: displayPath(path, walk.base), line: null, message: `symlink: ${confined.problem}` });
    return;
  }
  if (target?.isDirectory()) {
    if (!SKIPPED_FOLDERS.has(name)) await walkFolder(walk, path, confined.real, inside);
    return;
  }
  if (!walk.select(path, name)) return;
  const kind = target ? notRegular(target) : 'cannot be read';
  if (kind) walk.findings.problems.push({ file: displayPath(path, walk.base), line: null, message: `symlink to ${confined.real}, which ${kind}: not read` });
  else found(walk, path, confined.real);
}

/** Each real file is read once, under the first path that led to it; the others are listed. */
function found(walk: Walk, path: string, real: string): void {
  const first = walk.files.get(real);
  if (first === undefined) {
    walk.files.set(real, path);
    walk.visit(path);
  } else {
    walk.findings.skipped.push({
      file: displayPath(path, walk.base),
      line: 0,
      kind: 'file',
      why: `the same file as ${displayPath(first, walk.base)} (through a symlink): read once`,
    });
  }
}

async function folderId(real: string): Promise<string> {
  try {
    const stats = await stat(real);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return real;
  }
}

/** `path` as the report shows it: relative to `base` (the run's working folder) when inside it, else as given. */
export function displayPath(path: string, base: string): string {
  const shown = relative(base, resolve(base, path)) || '.';
  return (shown.startsWith('..') ? path : shown).split(sep).join('/');
}
