// Where a file may be read from. Every file of the branch is untrusted: a symlink can point at
// the runner's secrets (`.git/config` holds the checkout token, `~/.config/gcloud` the ADC), and a
// files list from GitHub can name any path. A path is read only when its real path stays inside
// its root and outside git's own folder; otherwise the caller gets a problem naming the path and
// where it points, and the file is never opened.
import { realpath } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { messageOf } from '../errors.ts';

/** The folder a path must stay inside, always passed by the caller (never the process's cwd). */
export type Root = string;

export type PathCheck = { readonly ok: true; readonly real: string } | { readonly ok: false; readonly problem: string };

/**
 * A path from a files list (GitHub's changed files, a workspace scan): relative, no `..`
 * segment, no NUL. Returns the problem, or null when the path may be resolved under the root.
 */
export function listedPathProblem(path: string): string | null {
  if (path === '' || path.includes('\0')) return 'is not a file path: not read';
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path) || path.startsWith('\\')) return 'is an absolute path, outside the repository: not read';
  if (path.split(/[/\\]/).includes('..')) return 'has a ".." segment, which could leave the repository: not read';
  return null;
}

/** `child` is `parent` or below it (both absolute, both real paths). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** A real path inside a `.git` folder of the root: git's own files, where actions/checkout keeps its token. */
function insideGitFolder(real: string, realRoot: string): boolean {
  return relative(realRoot, real).split(sep).includes('.git');
}

/**
 * The root of a path the operator named (a CLI argument, --policy-file, the action's policy_file):
 * the working folder when the path lies in it, else the folder that holds it, so naming a file
 * elsewhere works but a symlink there still cannot lead out of its own folder.
 */
export function rootOfNamedFile(path: string, workingFolder: string): Root {
  const absolute = resolve(workingFolder, path);
  return isInside(absolute, resolve(workingFolder)) ? resolve(workingFolder) : resolve(absolute, '..');
}

/** Checks a path's real path against its root; the path itself is never opened here. */
export async function confine(path: string, root: Root): Promise<PathCheck> {
  try {
    return judge(path, await realpath(path), await realpath(root));
  } catch (error) {
    return { ok: false, problem: unresolved(error) };
  }
}

/** The same check, synchronously, for the few files read before anything runs. */
export function confineSync(path: string, root: Root): PathCheck {
  try {
    return judge(path, realpathSync(path), realpathSync(root));
  } catch (error) {
    return { ok: false, problem: unresolved(error) };
  }
}

function judge(path: string, real: string, realRoot: string): PathCheck {
  const absolute = resolve(path);
  const pointsTo = real === absolute ? '' : ` (it points to ${real})`;
  if (!isInside(real, realRoot)) return { ok: false, problem: `leaves the root ${realRoot}${pointsTo || ` (${real})`}: not read` };
  if (insideGitFolder(real, realRoot))
    return { ok: false, problem: `is inside a .git folder, which holds git's own files and credentials${pointsTo}: not read` };
  return { ok: true, real };
}

function unresolved(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder (or a symlink to nothing)';
  if (code === 'ELOOP') return 'is a symlink loop: not read';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return `cannot resolve: ${code ?? messageOf(error)}`;
}
