// What is deployed now, as workloads: a Cloud Run Admin API v2 Service or Job is already the v2
// resource shape the manifest reader knows, so one reader decides its enforcement. Each is
// evaluated as its next deploy (services) or next execution (jobs) would be: its template's
// images and its binaryAuthorization. The report names the region and the serving revision.
import type { YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord } from '../yaml/values.ts';
import { readResource } from './read-workloads.ts';
import type { DeployedOrigin, SkippedDocument, Workload } from './workload.ts';

export type { DeployedOrigin } from './workload.ts';

export type DeployedWorkload = Workload & { readonly deployed: DeployedOrigin };

export function deployedWorkload(project: string, region: string, resource: Record<string, unknown>): DeployedWorkload | SkippedDocument {
  const name = String(resource['name']);
  const doc: YamlDocument = { value: resource, line: 1, lineOf: () => 1 };
  const read = readResource(name, doc);
  if ('why' in read) return read;
  const justification = asRecord(resource['binaryAuthorization'])?.['breakglassJustification'];
  return {
    ...read,
    name: name.split('/').at(-1) ?? name,
    deployed: {
      project,
      region,
      resource: name,
      current: currentOf(read.kind, resource),
      breakglass: typeof justification === 'string' && justification !== '',
    },
  };
}

function currentOf(kind: Workload['kind'], resource: Record<string, unknown>): string | null {
  if (kind === 'Job') {
    const execution = asRecord(resource['latestCreatedExecution'])?.['name'];
    return typeof execution === 'string' ? lastSegment(execution) : null;
  }
  const serving = Array.isArray(resource['trafficStatuses'])
    ? resource['trafficStatuses'].map((s) => asRecord(s)).find((s) => typeof s?.['revision'] === 'string' && Number(s['percent'] ?? 0) > 0)?.['revision']
    : undefined;
  if (typeof serving === 'string') return lastSegment(serving);
  const ready = resource['latestReadyRevision'];
  return typeof ready === 'string' ? lastSegment(ready) : null;
}

/** The revision or execution id, shown in reports: anything but a resource id (what an answer could smuggle in) is not shown. */
function lastSegment(name: string): string | null {
  const id = name.split('/').at(-1) ?? name;
  return /^[a-z0-9][a-z0-9-]{0,99}$/.test(id) ? id : null;
}
