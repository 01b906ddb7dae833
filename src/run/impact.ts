// The impact of a policy change, wired: one set of workloads (manifests, plans, what is deployed)
// evaluated under the policy in force (the base) and the proposed one, with the evidence gathered
// once for both, so that each tag is resolved and each attestation list fetched once per run.
import { decide } from '../policy/decide.ts';
import { diffPolicies } from '../policy/policy-diff.ts';
import type { Policy } from '../policy/policy.ts';
import { buildImpact, type ImpactReport } from '../report/impact.ts';
import { buildReport, summarizePolicy, type Report, type ReportError } from '../report/report.ts';
import { checkedManifests, problemsOf } from './check.ts';
import type { Manifests } from './load-workloads.ts';
import { gatherEvidence } from './gather-evidence.ts';
import { loadDeployed } from './load-deployed.ts';
import { loadPolicy, type LoadedPolicy } from './load-policy.ts';
import type { AttestationSource, CheckSettings, LiveServices, NamedFileReading, PolicySource } from './settings.ts';

/** What is deployed in a project's regions, as workloads, with the resources it could not read (src/run/load-deployed.ts). */
export type DeployedLoader = (project: string, regions: readonly string[], live: LiveServices) => Promise<Manifests>;

/** The loader the front ends use: the Cloud Run Admin API lists, through the run's live services. */
export const defaultDeployedLoader: DeployedLoader = loadDeployed;

export interface DeployedScope {
  readonly project: string;
  /** Region names, or `all` (the loader lists the locations). */
  readonly regions: readonly string[];
}

/** `policy` is the proposed policy; the rest of CheckSettings means what it means for a check. */
export interface ImpactSettings extends CheckSettings {
  /** The policy in force: `--base-policy-file`, else the live policy of the project. */
  readonly basePolicy: PolicySource;
  /** `--deployed --region R...`: what is deployed is evaluated too. */
  readonly deployed: DeployedScope | null;
  readonly failOnWeaken: boolean;
}

export async function runImpact(settings: ImpactSettings, live: LiveServices | null, loadDeployed: DeployedLoader): Promise<ImpactReport> {
  return (await runImpactReports(settings, live, loadDeployed)).impact;
}

/** The impact, and the check report under the new policy it was built from (null when a policy cannot be used). */
export async function runImpactReports(
  settings: ImpactSettings,
  live: LiveServices | null,
  loadDeployed: DeployedLoader,
): Promise<{ impact: ImpactReport; after: Report | null }> {
  const reading: NamedFileReading = { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes };
  const [manifests, deployed, base, proposed] = await Promise.all([
    checkedManifests(settings),
    deployedWorkloads(settings.deployed, live, loadDeployed),
    loadPolicy(settings.basePolicy, reading, live),
    loadPolicy(settings.policy, reading, live),
  ]);
  const workloads = [...manifests.workloads, ...deployed.workloads];
  const skipped = [...manifests.skipped, ...deployed.skipped];
  const nothing = workloads.length === 0 && !settings.allowEmpty ? [NOTHING_TO_EVALUATE] : [];
  const found = [...manifests.errors, ...deployed.errors, ...nothing];
  const options = { failOnWeaken: settings.failOnWeaken };
  if (!base.ok || !proposed.ok) {
    const unusable = (loaded: LoadedPolicy, role: string): Report => {
      if (loaded.ok) return buildReport(summarizePolicy(loaded.policy), [], skipped, found);
      const unevaluated = {
        file: null,
        line: null,
        message: `the ${role} policy (${loaded.summary.source}) cannot be used: none of the ${workloads.length} workload(s) found was evaluated`,
      };
      return buildReport(loaded.summary, [], skipped, [...loaded.errors.map((e) => named(e, role)), unevaluated, ...found]);
    };
    return { impact: buildImpact(unusable(base, 'base'), unusable(proposed, 'new'), [], options), after: null };
  }
  const policies: readonly [Policy, Policy] = [base.policy, proposed.policy];
  // One gathering for both policies: evidenceNeeds merges what each asks, so nothing is fetched twice.
  const gathered = await gatherEvidence(workloads, policies, settings.attestations, reading, live);
  const evaluationOptions = { requireEnforcement: settings.requireEnforcement };
  const reportOf = (policy: Policy): Report => {
    const results = decide(workloads, policy, gathered.evidence, evaluationOptions);
    return buildReport(summarizePolicy(policy), results, skipped, [...found, ...gathered.errors, ...problemsOf(results)]);
  };
  const after = reportOf(proposed.policy);
  return { impact: buildImpact(reportOf(base.policy), after, diffPolicies(base.policy, proposed.policy), options), after };
}

export interface DeployedCheckSettings {
  readonly policy: PolicySource;
  readonly attestations: AttestationSource;
  readonly deployed: DeployedScope;
  readonly requireEnforcement: boolean;
  readonly reading: NamedFileReading;
}

/**
 * What is deployed now, checked against one policy as its next deploy or execution would be: the
 * continuous validation Cloud Run does not do. Nothing deployed in the regions is a pass; a region
 * that could not be listed is an error, never an empty pass.
 */
export async function runDeployedCheck(settings: DeployedCheckSettings, live: LiveServices | null, loadDeployed: DeployedLoader): Promise<Report> {
  const [deployed, loaded] = await Promise.all([deployedWorkloads(settings.deployed, live, loadDeployed), loadPolicy(settings.policy, settings.reading, live)]);
  if (!loaded.ok) {
    const unevaluated = {
      file: null,
      line: null,
      message: `the policy cannot be used: none of the ${deployed.workloads.length} deployed workload(s) was evaluated`,
    };
    return buildReport(loaded.summary, [], deployed.skipped, [...loaded.errors, unevaluated, ...deployed.errors]);
  }
  const gathered = await gatherEvidence(deployed.workloads, [loaded.policy], settings.attestations, settings.reading, live);
  const results = decide(deployed.workloads, loaded.policy, gathered.evidence, { requireEnforcement: settings.requireEnforcement });
  return buildReport(summarizePolicy(loaded.policy), results, deployed.skipped, [...deployed.errors, ...gathered.errors, ...problemsOf(results)]);
}

async function deployedWorkloads(scope: DeployedScope | null, live: LiveServices | null, load: DeployedLoader): Promise<Manifests> {
  if (scope === null) return { workloads: [], skipped: [], errors: [] };
  if (!live)
    return {
      workloads: [],
      skipped: [],
      errors: [{ file: null, line: null, message: `what is deployed in ${scope.project} cannot be listed: live mode is not available in this run` }],
    };
  return load(scope.project, scope.regions, live);
}

/** A policy error says which of the two policies it is about. */
function named(error: ReportError, role: string): ReportError {
  return { ...error, message: `${role} ${error.message}` };
}

const NOTHING_TO_EVALUATE: ReportError = {
  file: null,
  line: null,
  message: 'nothing to evaluate: no Cloud Run Service or Job was found in the paths given or deployed (pass --allow-empty if that is expected)',
};
