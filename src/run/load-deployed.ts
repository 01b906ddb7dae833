// What is deployed now, as workloads: the services and jobs of a project in the regions asked
// (`all`: every region Cloud Run offers the project), every region and kind listed at once
// (the run's CallRunner bounds how many are in flight). A list that fails is an error naming
// the API, the region and the role; the other regions are still evaluated.
import { messageOf } from '../errors.ts';
import type { CloudRunApis, DeployedKind } from '../gcp/cloud-run.ts';
import { deployedWorkload, type DeployedWorkload } from '../manifests/deployed.ts';
import type { SkippedDocument } from '../manifests/workload.ts';
import type { ReportError } from '../report/report.ts';
import type { LiveServices } from './settings.ts';

export interface DeployedSet {
  readonly workloads: readonly DeployedWorkload[];
  /** Resources the lists returned that are not a Service or Job binauthz-gate can read. */
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

/** `--region all`: ask Cloud Run which regions the project has. */
const ALL_REGIONS = 'all';
const REGION = /^[a-z]+(-[a-z]+)*[0-9]+$/;
const KINDS: readonly DeployedKind[] = ['services', 'jobs'];

/** Whether `value` may be passed as a region (an id like `europe-west1`, or `all`). */
export function isRegionArgument(value: string): boolean {
  return value === ALL_REGIONS || REGION.test(value);
}

export async function loadDeployed(project: string, regions: readonly string[], live: Pick<LiveServices, 'cloudRun'>): Promise<DeployedSet> {
  const cloudRun = live.cloudRun;
  if (!cloudRun)
    return {
      workloads: [],
      skipped: [],
      errors: [{ file: null, line: null, message: 'Cloud Run: what is deployed cannot be listed offline (--deployed needs live mode)' }],
    };
  const errors: ReportError[] = [];
  const asked = await regionsToList(project, regions, cloudRun, errors);
  const lists = asked.flatMap((region) => KINDS.map((kind) => listOne(cloudRun, kind, project, region)));
  const workloads: DeployedWorkload[] = [];
  const skipped: SkippedDocument[] = [];
  // In the order asked (region, then services before jobs), whatever order the answers came in.
  for (const listed of await Promise.all(lists)) {
    if (!listed.ok) {
      errors.push({ file: null, line: null, message: listed.message });
      continue;
    }
    for (const resource of listed.items) {
      const read = deployedWorkload(project, listed.region, resource);
      if ('deployed' in read) workloads.push(read);
      else skipped.push(read);
    }
  }
  return { workloads, skipped, errors };
}

async function regionsToList(project: string, regions: readonly string[], cloudRun: CloudRunApis, errors: ReportError[]): Promise<string[]> {
  const named = new Set<string>();
  for (const region of regions) {
    if (region === ALL_REGIONS) continue;
    if (REGION.test(region)) named.add(region);
    else errors.push({ file: null, line: null, message: `--region: not a Cloud Run region id (like europe-west1): ${JSON.stringify(region.slice(0, 64))}` });
  }
  if (regions.includes(ALL_REGIONS)) {
    try {
      for (const region of await cloudRun.listRegions(project)) named.add(region);
    } catch (error) {
      errors.push({ file: null, line: null, message: `${messageOf(error)}; the regions named with --region are still listed` });
    }
  }
  return [...named];
}

type Listed =
  | { readonly ok: true; readonly region: string; readonly items: readonly Record<string, unknown>[] }
  | { readonly ok: false; readonly message: string };

async function listOne(cloudRun: CloudRunApis, kind: DeployedKind, project: string, region: string): Promise<Listed> {
  try {
    return { ok: true, region, items: await cloudRun.list(kind, project, region) };
  } catch (error) {
    return { ok: false, message: `${messageOf(error)} (region ${region}: its ${kind} were not evaluated)` };
  }
}
