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
import { loadDeployed } from './load-deployed.ts';
import type { CheckSettings, LiveServices } from './settings.ts';

export async function runCheck(settings: CheckSettings, live: LiveServices | null): Promise<Report> {
  const reading = { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes };
  // The policy is fetched while the deployed lists page: neither needs the other.
  const [read, deployed, loaded] = await Promise.all([checkedManifests(settings), deployedOf(settings, live), loadPolicy(settings.policy, reading, live)]);
  const manifests = withDeployed(read, deployed);
  const nothing = manifests.workloads.length === 0 && !settings.allowEmpty ? [settings.deployed ? NOTHING_DEPLOYED : NOTHING_TO_CHECK] : [];
  if (!loaded.ok) {
    const unevaluated = {
      file: null,
      line: null,
      message: `the policy cannot be used: none of the Cloud Run workloads found was evaluated: ${manifests.workloads.length} found`,
    };
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

/** What is deployed now, when asked (--deployed), as manifests read from the Cloud Run Admin API. */
export async function deployedOf(settings: Pick<CheckSettings, 'deployed'>, live: LiveServices | null): Promise<Manifests | null> {
  if (!settings.deployed) return null;
  return loadDeployed(settings.deployed.project, settings.deployed.regions, live ?? {});
}

function withDeployed(manifests: Manifests, deployed: Manifests | null): Manifests {
  if (!deployed) return manifests;
  return {
    workloads: [...manifests.workloads, ...deployed.workloads],
    skipped: [...manifests.skipped, ...deployed.skipped],
    errors: [...manifests.errors, ...deployed.errors],
  };
}

/** Each workload's problems, as report errors naming it. */
export function problemsOf(results: readonly WorkloadResult[]): ReportError[] {
  // A deployed workload's problems name its resource: it is no file a report could link to.
  return results.flatMap((result) =>
    result.problems.map((problem) =>
      result.deployed
        ? { file: null, line: null, message: `${result.kind} ${result.deployed.resource}: ${problem}` }
        : { file: result.file, line: result.line, message: `${result.kind} ${result.name}: ${problem}` },
    ),
  );
}

const NOTHING_DEPLOYED: ReportError = {
  file: null,
  line: null,
  message: 'nothing to check: no Cloud Run Service or Job is deployed in the regions given, nor in the paths given (pass --allow-empty if that is expected)',
};

const NOTHING_TO_CHECK: ReportError = {
  file: null,
  line: null,
  message: 'nothing to check: no Cloud Run Service or Job was found in the paths given (allow an empty run, allow-empty, if that is expected)',
};
