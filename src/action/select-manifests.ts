// Which files the gate looks at: on a pull request, the changed files matching the `manifests`
// patterns; on push, release, dispatch and schedule, every file in the workspace that matches.
import { relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { walkFiles, type WalkFindings } from '../files/manifest-files.ts';

/** A path is selected when a pattern includes it and no `!pattern` excludes it. */
export function matchesManifestPatterns(path: string, patterns: readonly string[]): boolean {
  const options = { dot: true, matchBase: false };
  const included = patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(path, p, options));
  return included && !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(path, p.slice(1), options));
}

export interface WorkspaceScan extends WalkFindings {
  /** Workspace-relative paths (forward slashes) of every matching regular file, sorted. */
  readonly paths: string[];
}

/**
 * Every file of the workspace the patterns match, through symlinked folders that stay inside it;
 * what could not be walked or read (a symlink out of the workspace, a device, a loop) comes back
 * with it, for the report.
 */
export async function scanWorkspace(workspace: string, patterns: readonly string[]): Promise<WorkspaceScan> {
  const paths: string[] = [];
  const toRelative = (path: string) => relative(workspace, path).split(sep).join('/');
  const findings = await walkFiles(
    workspace,
    workspace,
    (path) => matchesManifestPatterns(toRelative(path), patterns),
    (path) => paths.push(toRelative(path)),
  );
  return { paths: paths.sort(), ...findings };
}
