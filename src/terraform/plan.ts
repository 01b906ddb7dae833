// A Terraform plan as `terraform show -json PLAN` prints it (format_version 0.1 to 1.x; OpenTofu
// writes the same format), reduced to the managed resources it plans: address, type, planned
// action, planned values and which of them stay unknown until apply. Pure: no I/O.
import type { Path, YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord, getPath } from '../yaml/values.ts';

export type PlannedAction = 'create' | 'update' | 'replace' | 'delete' | 'no-op' | 'read';

export interface PlannedResource {
  /** Full address, module path included: `module.app.google_cloud_run_v2_service.api`. */
  readonly address: string;
  readonly type: string;
  readonly action: PlannedAction;
  /** The planned values (`change.after`); null for a planned delete. */
  readonly values: Record<string, unknown> | null;
  /** `change.after_unknown`: `true` at every path whose value is known only after apply. */
  readonly unknown: unknown;
  /** The values before the change (`change.before`), null when the resource is new. */
  readonly before: Record<string, unknown> | null;
  /** 1-based line of the resource in the plan file (plans are often one line: then 1). */
  readonly line: number;
}

export interface Plan {
  readonly resources: readonly PlannedResource[];
  /** The google provider's `project`, when the configuration sets it as a constant. */
  readonly providerProject: string | null;
}

export type ReadPlan = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly problem: string };

/** A plan is a JSON object with a `format_version` and planned values or resource changes. */
export function isTerraformPlan(value: unknown): boolean {
  const top = asRecord(value);
  return top !== null && typeof top['format_version'] === 'string' && ('planned_values' in top || 'resource_changes' in top);
}

/** Bounds what one plan may hold, so a hostile file cannot make the reader walk forever. */
const MAX_RESOURCES = 20_000;

export function readPlan(doc: YamlDocument): ReadPlan {
  const top = asRecord(doc.value);
  if (!top || !isTerraformPlan(top)) return { ok: false, problem: 'not a Terraform plan (terraform show -json PLAN)' };
  const version = top['format_version'] as string;
  if (!/^(0|1)\.\d+$/.test(version)) {
    return { ok: false, problem: `Terraform plan format_version ${formatVersionLabel(version)} is not supported (0.x and 1.x are)` };
  }
  const changes = top['resource_changes'];
  if (changes !== undefined && changes !== null && !Array.isArray(changes)) {
    return { ok: false, problem: 'Terraform plan: resource_changes is not a list' };
  }
  const list = Array.isArray(changes) ? changes : [];
  if (list.length > MAX_RESOURCES) return { ok: false, problem: `Terraform plan: more than ${MAX_RESOURCES} resource changes` };
  const resources: PlannedResource[] = [];
  const problems: string[] = [];
  list.forEach((item, index) => {
    const resource = readChange(doc, item, ['resource_changes', index]);
    if (typeof resource === 'string') problems.push(resource);
    else if (resource) resources.push(resource);
  });
  if (problems.length > 0) return { ok: false, problem: problems.slice(0, 3).join('; ') };
  if (list.length === 0) resources.push(...fromPlannedValues(doc, top));
  return { ok: true, plan: { resources, providerProject: providerProject(top) } };
}

function formatVersionLabel(version: string): string {
  return /^[0-9.]{1,12}$/.test(version) ? version : '(unreadable)';
}

const ACTIONS: Record<string, PlannedAction> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  'no-op': 'no-op',
  read: 'read',
};

/** One entry of `resource_changes`; data sources are not resources a policy or a deploy is made of. */
function readChange(doc: YamlDocument, item: unknown, path: Path): PlannedResource | string | null {
  const entry = asRecord(item);
  const change = asRecord(entry?.['change']);
  if (!entry || !change || typeof entry['address'] !== 'string' || typeof entry['type'] !== 'string') {
    return `Terraform plan: ${path.join('.')} is not a resource change (address, type, change)`;
  }
  if (entry['mode'] === 'data') return null;
  const action = actionOf(change['actions']);
  if (action === null) return `Terraform plan: ${entry['address']} has no known change.actions`;
  const values = asRecord(change['after']);
  if (action !== 'delete' && values === null) return `Terraform plan: ${entry['address']} plans ${action} without change.after`;
  return {
    address: entry['address'],
    type: entry['type'],
    action,
    values: action === 'delete' ? null : values,
    unknown: change['after_unknown'] ?? {},
    before: asRecord(change['before']),
    line: doc.lineOf(path),
  };
}

function actionOf(value: unknown): PlannedAction | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  if (value.length === 2 && value.includes('delete') && value.includes('create')) return 'replace';
  if (value.length !== 1 || typeof value[0] !== 'string') return null;
  return ACTIONS[value[0]] ?? null;
}

/** A plan without resource changes (an old or hand-trimmed one): every planned resource, as a create. */
function fromPlannedValues(doc: YamlDocument, top: Record<string, unknown>): PlannedResource[] {
  const found: PlannedResource[] = [];
  const visit = (module: unknown, path: Path, depth: number): void => {
    const record = asRecord(module);
    if (!record || depth > 32) return;
    const resources = Array.isArray(record['resources']) ? record['resources'] : [];
    resources.forEach((item, index) => {
      const resource = asRecord(item);
      const values = asRecord(resource?.['values']);
      if (!resource || resource['mode'] === 'data' || typeof resource['address'] !== 'string' || typeof resource['type'] !== 'string' || !values) return;
      if (found.length >= MAX_RESOURCES) return;
      const line = doc.lineOf([...path, 'resources', index]);
      found.push({ address: resource['address'], type: resource['type'], action: 'create', values, unknown: {}, before: null, line });
    });
    const children = Array.isArray(record['child_modules']) ? record['child_modules'] : [];
    children.forEach((child, index) => {
      visit(child, [...path, 'child_modules', index], depth + 1);
    });
  };
  visit(getPath(top, ['planned_values', 'root_module']), ['planned_values', 'root_module'], 0);
  return found;
}

/** The project of the default `google` provider (else `google-beta`), when the configuration sets it as a constant. */
function providerProject(top: Record<string, unknown>): string | null {
  for (const provider of ['google', 'google-beta']) {
    const project = getPath(top, ['configuration', 'provider_config', provider, 'expressions', 'project', 'constant_value']);
    if (typeof project === 'string' && project !== '') return project;
  }
  return null;
}

/** Whether the value at `path` (in the planned values) is known only after apply. */
export function isUnknown(unknown: unknown, path: Path): boolean {
  let current = unknown;
  for (const key of path) {
    if (current === true) return true;
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = asRecord(current)?.[key];
    if (current === undefined || current === null || current === false) return false;
  }
  return current === true;
}

/** The first element of a Terraform nested block (every block is a list, even a max-one block). */
export function block(values: unknown, key: string): Record<string, unknown> | null {
  const list = asRecord(values)?.[key];
  return Array.isArray(list) ? asRecord(list[0]) : null;
}

/** A Terraform string attribute: null and "" (both mean unset in the provider) become null. */
export function stringAttribute(values: unknown, key: string): string | null {
  const value = asRecord(values)?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}
