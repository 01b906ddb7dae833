// The check, wired: read the manifests and the policy, gather the evidence the engine asks for,
// let the engine decide every workload, and build the report. Front ends (CLI, action) build
// the CheckSettings; nothing here reads the process's environment or current folder.
import { substituteImages } from '../manifests/substitute-images.ts';
import { decide } from '../policy/decide.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { buildReport, summarizePolicy, type Report, type ReportError } from '../report/report.ts';
import { gatherEvidence } from './gather-evidence.ts';
import { loadPolicy } from './load-policy.ts';
import { readManifests, type Manifests } from './load-workloads.ts';
import type { CheckSettings, LiveServices } from './settings.ts';

export async function runCheck(settings: CheckSettings, live: LiveServices | null): Promise<Report> {
  const manifests = await checkedManifests(settings);
  const nothing = manifests.workloads.length === 0 && !settings.allowEmpty ? [NOTHING_TO_CHECK] : [];
  const reading = { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes };
  const loaded = await loadPolicy(settings.policy, reading, live);
  if (!loaded.ok) {
    const unevaluated = { file: null, line: null, message: `the policy cannot be used: none of the Cloud Run workloads found was evaluated: ${manifests.workloads.length} found` };
    return buildReport(loaded.summary, [], manifests.skipped, [...loaded.errors, unevaluated, ...manifests.errors, ...nothing]);
  }
  const policy = loaded.policy;
  const gathered = await gatherEvidence(manifests.workloads, [policy], settings.attestations, reading, live);
  const results = decide(manifests.workloads, policy, gathered.evidence, { requireEnforcement: settings.requireEnforcement });
  return buildReport(summarizePolicy(policy), results, manifests.skipped, [...manifests.errors, ...gathered.errors, ...nothing, ...problemsOf(results)]);
}

/** The manifests of the run, with what a workspace scan before it found and the built images in place. */
export async function checkedManifests(settings: CheckSettings): Promise<Manifests> {
  const read = await readManifests(settings.paths, settings.files, settings.maxFileBytes);
  const scanned = settings.scanFindings ?? { skipped: [], problems: [] };
  return {
    skipped: [...scanned.skipped, ...read.skipped],
    errors: [...scanned.problems, ...read.errors],
    workloads: substituteImages(read.workloads, settings.builtImages ?? []),
  };
}

/** Each workload's problems, as report errors naming it. */
export function problemsOf(results: readonly WorkloadResult[]): ReportError[] {
  return results.flatMap((result) => result.problems.map((problem) => ({ file: result.file, line: result.line, message: `${result.kind} ${result.name}: ${problem}` })));
}

const NOTHING_TO_CHECK: ReportError = {
  file: null,
  line: null,
  message: 'nothing to check: no Cloud Run Service or Job was found in the paths given (allow an empty run, allow-empty, if that is expected)',
};
