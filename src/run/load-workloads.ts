// The workloads of a run, from manifest files and folders (YAML, JSON, Terraform plans): each file
// read with the rules of every file and parsed while it is read; only its workloads are kept.
import { displayPath, findManifestFiles, type FileScope } from '../files/manifest-files.ts';
import { readTextFile } from '../files/safe-read.ts';
import { readWorkloads } from '../manifests/read-workloads.ts';
import type { SkippedDocument, Workload } from '../manifests/workload.ts';
import type { ReportError } from '../report/report.ts';

export interface Manifests {
  readonly workloads: readonly Workload[];
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

export async function readManifests(paths: readonly string[], scope: FileScope, maxFileBytes: number): Promise<Manifests> {
  const found = await findManifestFiles(paths, scope);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = [...found.skipped];
  const errors: ReportError[] = [...found.problems];
  for (const { path, root } of found.files) {
    const file = displayPath(path, scope.workingFolder);
    const read = await readTextFile(path, { root, maxBytes: maxFileBytes });
    if (!read.ok) {
      errors.push({ file, line: null, message: read.problem });
      continue;
    }
    const set = readWorkloads(file, read.text);
    workloads.push(...set.workloads);
    skipped.push(...set.skipped);
    errors.push(...set.problems);
  }
  return { workloads, skipped, errors };
}
