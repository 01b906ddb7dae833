// The check, wired: read the manifests and the policy, gather the evidence the engine asks for,
// let the engine decide every workload, and build the report. Front ends (CLI, action) build
// the CheckSettings; nothing here reads the process's environment or current folder.
import type { ImageReference } from '../images/reference.ts';
import { substituteImages } from '../manifests/substitute-images.ts';
import type { Workload } from '../manifests/workload.ts';
import { createInterner } from '../policy/compact.ts';
import { decide } from '../policy/decide.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import type { Policy } from '../policy/policy.ts';
import { buildReport, summarizePolicy, type Report, type ReportError } from '../report/report.ts';
import { createEvidenceGatherer } from './gather-evidence.ts';
import { loadPolicy, type LoadedPolicy } from './load-policy.ts';
import { appendFindings, manifestBatches, readManifests, type Manifests } from './load-workloads.ts';
import { loadDeployed } from './load-deployed.ts';
import type { CheckSettings, LiveServices, NamedFileReading } from './settings.ts';

/**
 * The manifests are read and decided batch by batch (BATCH_WORKLOADS): a batch's evidence is gathered
 * and decided while the next is read, and its workloads are let go once decided, so what a run holds
 * is the report and one or two batches, however large the tree. The policy is fetched while the first
 * batch is read, and the deployed lists page meanwhile: none needs another.
 */
export async function runCheck(settings: CheckSettings, live: LiveServices | null): Promise<Report> {
  const reading = { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes };
  const deciding = handledLater(loadPolicy(settings.policy, reading, live).then((loaded) => deciderFor(loaded, settings, reading, live)));
  const deployedLoading = handledLater(deployedOf(settings, live));
  const scanned = settings.scanFindings ?? { skipped: [], problems: [] };
  const found = { skipped: [...scanned.skipped], errors: [...scanned.problems] };
  let workloads = 0;
  const results: WorkloadResult[] = [];
  let previous: Promise<void> = Promise.resolve();
  const take = async (batch: Manifests, built: readonly ImageReference[]): Promise<void> => {
    workloads += batch.workloads.length;
    appendFindings(found, batch);
    const decider = await deciding;
    await previous;
    if (decider.ok && batch.workloads.length > 0) {
      previous = handledLater(decider.decide(substituteImages(batch.workloads, built), results));
    }
  };
  // Built images replace the manifests' images only: what is deployed is what runs.
  for await (const batch of manifestBatches(settings.paths, settings.files, settings.maxFileBytes)) await take(batch, settings.builtImages ?? []);
  const deployed = await deployedLoading;
  if (deployed) await take(deployed, []);
  await previous;
  const decider = await deciding;
  const nothing = workloads === 0 && !settings.allowEmpty ? [settings.deployed ? NOTHING_DEPLOYED : NOTHING_TO_CHECK] : [];
  if (!decider.ok) {
    const unevaluated = {
      file: null,
      line: null,
      message: `the policy cannot be used: none of the Cloud Run workloads found was evaluated: ${workloads} found`,
    };
    return buildReport(decider.summary, [], found.skipped, [...decider.errors, unevaluated, ...found.errors, ...nothing]);
  }
  const evidenceErrors = await decider.errors();
  return buildReport(summarizePolicy(decider.policy), results, found.skipped, [...found.errors, ...evidenceErrors, ...nothing, ...problemsOf(results)]);
}

/** A usable policy, and how a batch is decided under it; or why the policy cannot be used (the batches are then counted, not decided). */
type BatchDecider =
  | {
      readonly ok: true;
      readonly policy: Policy;
      /** Gathers a batch's evidence (what earlier batches fetched is not fetched again) and adds its decisions to `results`. */
      decide(workloads: readonly Workload[], results: WorkloadResult[]): Promise<void>;
      errors(): Promise<readonly ReportError[]>;
    }
  | Extract<LoadedPolicy, { ok: false }>;

function deciderFor(loaded: LoadedPolicy, settings: CheckSettings, reading: NamedFileReading, live: LiveServices | null): BatchDecider {
  if (!loaded.ok) return loaded;
  const policy = loaded.policy;
  const evidence = createEvidenceGatherer([policy], settings.attestations, reading, live);
  const intern = createInterner();
  const options = { requireEnforcement: settings.requireEnforcement };
  return {
    ok: true,
    policy,
    async decide(workloads, results) {
      const gathered = await evidence.gather(workloads);
      for (const result of decide(workloads, policy, gathered, options, intern)) results.push(result);
    },
    errors: () => evidence.errors(),
  };
}

/**
 * The same promise, with its rejection marked as handled until it is awaited: a failure while
 * something else is awaited first is still thrown where the promise is awaited, never as an
 * unhandled rejection that ends the process.
 */
function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
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
