// Which files the gate looks at: on a pull request, the changed files matching the `manifests`
// patterns; on push, release, dispatch and schedule, every file in the workspace that matches.
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';

const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

/** A path is selected when a pattern includes it and no `!pattern` excludes it. */
export function matchesManifestPatterns(path: string, patterns: readonly string[]): boolean {
  const options = { dot: true, matchBase: false };
  const included = patterns.filter((p) => !p.startsWith('!')).some((p) => minimatch(path, p, options));
  return included && !patterns.filter((p) => p.startsWith('!')).some((p) => minimatch(path, p.slice(1), options));
}

/** Workspace-relative paths (forward slashes) of every matching file, sorted. */
export function scanWorkspace(workspace: string, patterns: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path);
      } else if (entry.isFile()) {
        const rel = relative(workspace, path).split(sep).join('/');
        if (matchesManifestPatterns(rel, patterns)) found.push(rel);
      }
    }
  };
  walk(workspace);
  return found.sort();
}
