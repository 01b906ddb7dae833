// The check, wired: read the policy and manifests, gather attestation evidence, evaluate every
// workload, build the report. Front ends (CLI, action) parse their inputs into CheckSettings.
import { findManifestFiles, readTextFile, displayPath } from './files/manifest-files.ts';
import { readWorkloads } from './manifests/read-workloads.ts';
import type { SkippedDocument, Workload } from './manifests/workload.ts';
import { parsePolicyText } from './policy/parse-policy.ts';
import { evaluateWorkload } from './policy/evaluate.ts';
import type { AttestationLookup } from './policy/decision.ts';
import { buildReport, summarizePolicy, type Report, type ReportError } from './report/report.ts';
import { loadAttestationLookup } from './evidence/attestation-files.ts';

export interface CheckSettings {
  readonly policyFile: string;
  readonly attestorsFile: string | null;
  readonly attestationsFile: string | null;
  readonly paths: readonly string[];
  readonly requireEnforcement: boolean;
  readonly maxFileBytes: number;
}

export async function runCheck(settings: CheckSettings): Promise<Report> {
  const manifests = readManifests(settings.paths, settings.maxFileBytes);
  const policyFile = displayPath(settings.policyFile);
  const policyText = readTextFile(settings.policyFile, settings.maxFileBytes);
  const parsed = policyText.ok ? parsePolicyText(`file:${policyFile}`, policyText.text) : null;
  if (parsed === null || !parsed.ok) {
    const errors: ReportError[] = parsed
      ? parsed.errors.map((e) => ({ file: policyFile, line: e.line, message: `policy: ${e.message}` }))
      : [{ file: policyFile, line: null, message: `policy: ${policyText.ok ? '' : policyText.problem}` }];
    const summary = { source: `file:${policyFile}`, etag: null, name: null, defaultRule: null, notes: [] };
    return buildReport(summary, [], manifests.skipped, [...errors, ...manifests.errors]);
  }
  const policy = parsed.policy;
  const evidence = await loadAttestationLookup(settings, manifests.workloads, policy);
  const errors = [...manifests.errors, ...evidence.errors];
  const lookup: AttestationLookup = evidence.lookup;
  const results = manifests.workloads.map((workload) =>
    evaluateWorkload(workload, policy, lookup, { requireEnforcement: settings.requireEnforcement }),
  );
  for (const result of results) {
    for (const problem of result.problems) errors.push({ file: result.file, line: result.line, message: `${result.kind} ${result.name}: ${problem}` });
  }
  return buildReport(summarizePolicy(policy), results, manifests.skipped, errors);
}

interface Manifests {
  readonly workloads: readonly Workload[];
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

function readManifests(paths: readonly string[], maxFileBytes: number): Manifests {
  const found = findManifestFiles(paths);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = [];
  const errors: ReportError[] = [...found.problems];
  for (const path of found.files) {
    const file = displayPath(path);
    const read = readTextFile(path, maxFileBytes);
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
