// Which files the gate looks at: on a pull request, the changed files matching the `manifests`
// patterns; on push, release, dispatch and schedule (and when GitHub cannot list every changed
// file), every file in the workspace that matches. Including patterns match without case (svc.YAML
// is a manifest); exclusions match exactly, so that `!.github/**` cannot hide `.GITHUB/svc.yaml`.
import { relative, sep } from 'node:path';
import { minimatch, type MinimatchOptions } from 'minimatch';
import { walkFiles, type WalkFindings } from '../files/manifest-files.ts';

const INCLUDE: MinimatchOptions = { dot: true, matchBase: false, nocase: true };
const EXCLUDE: MinimatchOptions = { dot: true, matchBase: false, nocase: false };

/** A path is selected when a pattern includes it and no `!pattern` excludes it. */
export function matchesManifestPatterns(path: string, patterns: readonly string[]): boolean {
  const included = patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(path, p, INCLUDE));
  return included && !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(path, p.slice(1), EXCLUDE));
}

export interface WorkspaceScan extends WalkFindings {
  /** Workspace-relative paths (forward slashes) of every matching regular file, sorted. */
  readonly paths: string[];
  /** The including patterns that match no file at all (a typo, or a folder that moved): worth a warning. */
  readonly unmatched: string[];
}

/**
 * Every file of the workspace the patterns match, through symlinked folders that stay inside it;
 * what could not be walked or read (a symlink out of the workspace, a device, a loop) comes back
 * with it, for the report.
 */
export async function scanWorkspace(workspace: string, patterns: readonly string[]): Promise<WorkspaceScan> {
  const paths: string[] = [];
  const seen: string[] = [];
  const toRelative = (path: string) => relative(workspace, path).split(sep).join('/');
  const findings = await walkFiles(
    workspace,
    workspace,
    workspace,
    (path) => {
      const rel = toRelative(path);
      seen.push(rel);
      return matchesManifestPatterns(rel, patterns);
    },
    (path) => paths.push(toRelative(path)),
  );
  return { paths: paths.sort(), unmatched: unmatchedPatterns(seen, patterns), ...findings };
}

/** The including patterns that match no file at all (a typo, or a folder that moved): worth a warning. */
export function unmatchedPatterns(files: readonly string[], patterns: readonly string[]): string[] {
  return patterns.filter((p) => !p.startsWith('!') && !files.some((path) => minimatch(path, p, INCLUDE)));
}
