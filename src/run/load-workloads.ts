// The workloads of a run, from manifest files and folders (YAML, JSON, Terraform plans): each file
// read with the rules of every file and parsed while it is read; only its workloads are kept, and
// only until their batch is evaluated.
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

/**
 * About this many workloads are read before they are evaluated and let go: a tree of 50,000 is never
 * held whole, and a tree of up to this many asks for its evidence in one round, as if unbatched.
 */
export const BATCH_WORKLOADS = 1000;

/** The manifests of the paths, file by file, in batches of at least `batchSize` workloads (the last may have fewer, or none). */
export async function* manifestBatches(
  paths: readonly string[],
  scope: FileScope,
  maxFileBytes: number,
  batchSize = BATCH_WORKLOADS,
): AsyncGenerator<Manifests, void, undefined> {
  const found = await findManifestFiles(paths, scope);
  let batch: GrowingManifests = { workloads: [], skipped: [...found.skipped], errors: [...found.problems] };
  for (const { path, root } of found.files) {
    const file = displayPath(path, scope.workingFolder);
    const read = await readTextFile(path, { root, maxBytes: maxFileBytes });
    if (!read.ok) {
      batch.errors.push({ file, line: null, message: read.problem });
      continue;
    }
    const set = readWorkloads(file, read.text);
    appendManifests(batch, { workloads: set.workloads, skipped: set.skipped, errors: set.problems });
    if (batch.workloads.length >= batchSize) {
      yield batch;
      batch = { workloads: [], skipped: [], errors: [] };
    }
  }
  yield batch;
}

/** Every manifest of the paths at once, for the steps that need the whole set (attest, impact). */
export async function readManifests(paths: readonly string[], scope: FileScope, maxFileBytes: number): Promise<Manifests> {
  const all: GrowingManifests = { workloads: [], skipped: [], errors: [] };
  for await (const batch of manifestBatches(paths, scope, maxFileBytes)) appendManifests(all, batch);
  return all;
}

/** Manifests still being gathered. */
interface GrowingManifests {
  readonly workloads: Workload[];
  readonly skipped: SkippedDocument[];
  readonly errors: ReportError[];
}

/** Adds `more` to the end of `to`, list by list (element by element: a plan may hold more than a call's arguments). */
function appendManifests(to: GrowingManifests, more: Manifests): void {
  for (const workload of more.workloads) to.workloads.push(workload);
  appendFindings(to, more);
}

/** Adds what `more` skipped and found wrong to the end of `to`. */
export function appendFindings(to: Pick<GrowingManifests, 'skipped' | 'errors'>, more: Pick<Manifests, 'skipped' | 'errors'>): void {
  for (const skipped of more.skipped) to.skipped.push(skipped);
  for (const error of more.errors) to.errors.push(error);
}
