// Which files the gate looks at: on a pull request, the changed files matching the `manifests`
// patterns; on push, release, dispatch and schedule, every file in the workspace that matches.
import { relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { walkFiles } from '../files/manifest-files.ts';

/** A path is selected when a pattern includes it and no `!pattern` excludes it. */
export function matchesManifestPatterns(path: string, patterns: readonly string[]): boolean {
  const options = { dot: true, matchBase: false };
  const included = patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(path, p, options));
  return included && !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(path, p.slice(1), options));
}

/** Workspace-relative paths (forward slashes) of every matching file, sorted. */
export function scanWorkspace(workspace: string, patterns: readonly string[]): string[] {
  const found: string[] = [];
  walkFiles(workspace, (path) => {
    const rel = relative(workspace, path).split(sep).join('/');
    if (matchesManifestPatterns(rel, patterns)) found.push(rel);
  });
  return found.sort();
}
