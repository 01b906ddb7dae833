// How a report names a deployed workload's place: it has no file and line, but a region, a
// resource name and what is running now (the serving revision, or the latest execution of a job).
import type { DeployedOrigin, WorkloadKind } from '../manifests/workload.ts';

/** `deployed in europe-west1, serving revision api-00007-xyz` (raw text: each formatter escapes it). */
export function deployedWhere(kind: WorkloadKind, deployed: DeployedOrigin): string {
  const current =
    kind === 'Job'
      ? deployed.current
        ? `latest execution ${deployed.current}`
        : 'never executed'
      : deployed.current
        ? `serving revision ${deployed.current}`
        : 'no serving revision';
  return `deployed in ${deployed.region}, ${current}${deployed.breakglass ? ', RUNNING UNDER BREAKGLASS' : ''}`;
}
