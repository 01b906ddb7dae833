// Which files the gate looks at: on a pull request, the changed files matching the `manifests`
// patterns; on push, release, dispatch and schedule (and when GitHub cannot list every changed
// file), every file in the workspace that matches. Including patterns match without case (svc.YAML
// is a manifest); exclusions match exactly, so that `!.github/**` cannot hide `.GITHUB/svc.yaml`.
import { relative, sep } from 'node:path';
import { minimatch, type MinimatchOptions } from 'minimatch';
import { walkFiles } from '../files/manifest-files.ts';

const INCLUDE: MinimatchOptions = { dot: true, matchBase: false, nocase: true };
const EXCLUDE: MinimatchOptions = { dot: true, matchBase: false, nocase: false };

/** A path is selected when a pattern includes it and no `!pattern` excludes it. */
export function matchesManifestPatterns(path: string, patterns: readonly string[]): boolean {
  const included = patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(path, p, INCLUDE));
  return included && !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(path, p.slice(1), EXCLUDE));
}

/** Workspace-relative paths (forward slashes) of every file in the workspace, sorted. */
export function workspaceFiles(workspace: string): string[] {
  const found: string[] = [];
  walkFiles(workspace, (path) => found.push(relative(workspace, path).split(sep).join('/')));
  return found.sort();
}

/** Workspace-relative paths (forward slashes) of every matching file, sorted. */
export function scanWorkspace(workspace: string, patterns: readonly string[], files: readonly string[] = workspaceFiles(workspace)): string[] {
  return files.filter((path) => matchesManifestPatterns(path, patterns));
}

/** The including patterns that match no file at all (a typo, or a folder that moved): worth a warning. */
export function unmatchedPatterns(files: readonly string[], patterns: readonly string[]): string[] {
  return patterns.filter((p) => !p.startsWith('!') && !files.some((path) => minimatch(path, p, INCLUDE)));
}
