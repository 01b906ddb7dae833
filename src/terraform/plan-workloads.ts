// The Cloud Run services and jobs a Terraform plan will deploy, turned into the resource shapes
// the manifest reader already knows (v2 for google_cloud_run_v2_*, Knative v1 for
// google_cloud_run_service), so that one reader decides enforcement for every source. Each
// workload is named by its resource address; planned deletes are listed, not checked; values
// known only after apply become problems, never guesses.
import type { YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord } from '../yaml/values.ts';
import { block, isUnknown, stringAttribute, type Plan, type PlannedResource } from './plan.ts';

export interface PlanWorkloadDocument {
  readonly address: string;
  /** The resource in a shape the manifest reader knows, with the resource's line for every path. */
  readonly document: YamlDocument;
  /** Values the verdict needs that are known only after apply. */
  readonly problems: readonly string[];
}

export interface PlanSkipped {
  readonly line: number;
  readonly kind: string;
  readonly why: string;
}

export interface PlanWorkloads {
  readonly documents: readonly PlanWorkloadDocument[];
  readonly skipped: readonly PlanSkipped[];
}

const WORKLOAD_TYPES = new Set(['google_cloud_run_v2_service', 'google_cloud_run_v2_job', 'google_cloud_run_service']);
const NOT_EVALUATED: Record<string, string> = {
  google_cloud_run_v2_worker_pool: 'a Cloud Run worker pool: binauthz-gate evaluates services and jobs only',
  google_cloud_run_domain_mapping: 'a domain mapping deploys no image',
};

export function workloadsFromPlan(plan: Plan): PlanWorkloads {
  const documents: PlanWorkloadDocument[] = [];
  const skipped: PlanSkipped[] = [];
  let others = 0;
  for (const resource of plan.resources) {
    if (WORKLOAD_TYPES.has(resource.type)) {
      if (resource.action === 'delete' || resource.values === null) {
        skipped.push({ line: resource.line, kind: `${resource.address} (planned delete)`, why: 'the plan deletes it: nothing of it will be deployed' });
      } else {
        documents.push(toDocument(resource, resource.values));
      }
    } else if (resource.type in NOT_EVALUATED) {
      skipped.push({ line: resource.line, kind: resource.address, why: NOT_EVALUATED[resource.type] as string });
    } else {
      others += 1;
    }
  }
  if (others > 0) {
    skipped.push({ line: 1, kind: 'Terraform plan', why: `${others} other planned resource(s) are not Cloud Run services or jobs` });
  }
  if (documents.length === 0 && plan.resources.length === 0) {
    skipped.push({ line: 1, kind: 'Terraform plan', why: 'the plan holds no resource' });
  }
  return { documents, skipped };
}

function toDocument(resource: PlannedResource, values: Record<string, unknown>): PlanWorkloadDocument {
  const problems: string[] = [];
  const value = resource.type === 'google_cloud_run_service' ? v1Service(resource, values, problems) : v2Resource(resource, values, problems);
  return { address: resource.address, document: { value, line: resource.line, lineOf: () => resource.line }, problems };
}

/** `template[0].containers` (service) or `template[0].template[0].containers` (job), as v2 `template`. */
function v2Resource(resource: PlannedResource, values: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const job = resource.type === 'google_cloud_run_v2_job';
  const podPath = job ? ['template', 0, 'template', 0] : ['template', 0];
  const pod = job ? block(block(values, 'template'), 'template') : block(values, 'template');
  const containers = readContainers(resource, pod, podPath, problems);
  const template = job ? { template: { containers } } : { containers };
  const out: Record<string, unknown> = { name: resource.address, template };
  if (isUnknown(resource.unknown, ['binary_authorization'])) {
    problems.push(`${resource.address}: binary_authorization is known only after apply, and whether Cloud Run enforces depends on it`);
  }
  const binauthz = v2BinaryAuthorization(values['binary_authorization']);
  if (binauthz) out['binaryAuthorization'] = binauthz;
  return out;
}

/**
 * `binary_authorization` is a max-one block: absent or `[]` is no enforcement. In the v2 API an
 * empty string is an unset field, and the provider writes unset attributes as null or "".
 */
function v2BinaryAuthorization(value: unknown): Record<string, unknown> | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const settings = asRecord(value[0]) ?? {};
  const out: Record<string, unknown> = {};
  if (typeof settings['use_default'] === 'boolean') out['useDefault'] = settings['use_default'];
  const policy = stringAttribute(settings, 'policy');
  if (policy !== null) out['policy'] = policy;
  const justification = stringAttribute(settings, 'breakglass_justification');
  if (justification !== null) out['breakglassJustification'] = justification;
  return out;
}

/** v1 `google_cloud_run_service`: annotations on `metadata[0]`, images under `template[0].spec[0]`. */
function v1Service(resource: PlannedResource, values: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const metadata = block(values, 'metadata');
  const template = block(values, 'template');
  if (isUnknown(resource.unknown, ['metadata', 0, 'annotations'])) {
    problems.push(`${resource.address}: metadata[0].annotations is known only after apply, and whether Cloud Run enforces depends on it`);
  }
  const containers = readContainers(resource, block(template, 'spec'), ['template', 0, 'spec', 0], problems);
  const templateAnnotations = asRecord(block(template, 'metadata')?.['annotations']);
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: resource.address, annotations: asRecord(metadata?.['annotations']) ?? {} },
    spec: { template: { ...(templateAnnotations ? { metadata: { annotations: templateAnnotations } } : {}), spec: { containers } } },
  };
}

function readContainers(resource: PlannedResource, pod: Record<string, unknown> | null, podPath: (string | number)[], problems: string[]): unknown {
  if (isUnknown(resource.unknown, [...podPath, 'containers'])) {
    problems.push(`${resource.address}: the containers are known only after apply`);
    return [];
  }
  const list = pod?.['containers'];
  if (!Array.isArray(list)) return list;
  return list.map((item, index) => {
    const container = asRecord(item);
    if (!container) return item;
    const name = stringAttribute(container, 'name');
    if (isUnknown(resource.unknown, [...podPath, 'containers', index, 'image'])) {
      problems.push(
        `${resource.address}: the image of container ${name ?? `#${index + 1}`} is known only after apply (built in the same apply?): pin it, or check the plan after the build`,
      );
      return { ...(name ? { name } : {}) };
    }
    return { ...(name ? { name } : {}), image: container['image'] };
  });
}
