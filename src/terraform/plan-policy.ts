// The project policy a Terraform plan will leave behind: the planned
// `google_binary_authorization_policy`, turned into the REST shape the policy reader validates.
// A planned delete leaves Google's default policy; a value known only after apply that the
// verdict needs is an error naming it, never a guess.
import type { YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord } from '../yaml/values.ts';
import { block, isUnknown, stringAttribute, type Plan, type PlannedResource } from './plan.ts';

const POLICY_TYPE = 'google_binary_authorization_policy';

export interface PlanPolicyOptions {
  /** `--policy-address`: which policy resource, when the plan holds several. */
  readonly address: string | null;
  /** The project short attestor names belong to when neither the resource nor the provider says. */
  readonly project: string | null;
}

export type PlanPolicy =
  | {
      readonly ok: true;
      readonly address: string;
      /** The policy in the REST shape, as one document whose lines are the resource's. */
      readonly document: YamlDocument;
      readonly notes: readonly string[];
      readonly deleted: boolean;
    }
  | { readonly ok: false; readonly line: number | null; readonly message: string };

/** Google's policy for a project whose policy was deleted (what `terraform destroy` restores). */
const GOOGLE_DEFAULT_POLICY = {
  globalPolicyEvaluationMode: 'ENABLE',
  defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
} as const;

export function policyFromPlan(plan: Plan, options: PlanPolicyOptions): PlanPolicy {
  const chosen = choosePolicy(plan, options.address);
  if ('message' in chosen) return { ok: false, line: null, message: chosen.message };
  const resource = chosen.resource;
  const project = stringAttribute(resource.values ?? resource.before, 'project') ?? plan.providerProject ?? options.project;
  const document = (value: unknown): YamlDocument => ({ value, line: resource.line, lineOf: () => resource.line });
  if (resource.action === 'delete') {
    const name = project ? { name: `projects/${project}/policy` } : {};
    const notes = [`the plan deletes ${resource.address}: the project falls back to Google's default policy (ALWAYS_ALLOW, every image admitted)`];
    return { ok: true, address: resource.address, document: document({ ...name, ...GOOGLE_DEFAULT_POLICY }), notes, deleted: true };
  }
  const body = restPolicy(resource, project);
  if ('message' in body) return { ok: false, line: resource.line, message: body.message };
  return { ok: true, address: resource.address, document: document(body.value), notes: body.notes, deleted: false };
}

function choosePolicy(plan: Plan, address: string | null): { resource: PlannedResource } | { message: string } {
  const policies = plan.resources.filter((r) => r.type === POLICY_TYPE);
  const addresses = policies.map((r) => r.address).sort();
  if (address !== null) {
    const resource = policies.find((r) => r.address === address);
    if (resource) return { resource };
    return { message: `the plan has no ${POLICY_TYPE} at ${address}${listed(addresses)}` };
  }
  if (policies.length === 1) return { resource: policies[0] as PlannedResource };
  if (policies.length === 0) return { message: `the plan holds no ${POLICY_TYPE}: nothing says what the policy will be` };
  return { message: `the plan holds ${policies.length} ${POLICY_TYPE} resources${listed(addresses)}: pick one with --policy-address` };
}

function listed(addresses: readonly string[]): string {
  return addresses.length === 0 ? '' : ` (${addresses.slice(0, 10).join(', ')}${addresses.length > 10 ? ', …' : ''})`;
}

type Body = { value: Record<string, unknown>; notes: string[] } | { message: string };

function restPolicy(resource: PlannedResource, project: string | null): Body {
  const values = resource.values ?? {};
  const unknown = resource.unknown;
  const needed = (path: (string | number)[], what: string): string | null =>
    anyUnknown(unknown, path) ? `${resource.address}: ${what} is known only after apply (after_unknown), and the verdict needs it` : null;
  const problem = needed(['admission_whitelist_patterns'], 'admission_whitelist_patterns') ?? needed(['default_admission_rule'], 'default_admission_rule');
  if (problem) return { message: problem };
  const notes: string[] = [];
  if (isUnknown(unknown, ['global_policy_evaluation_mode'])) {
    notes.push(
      'global_policy_evaluation_mode is known only after apply; Cloud Run never exempts an image through the system policy, so it does not change a verdict',
    );
  }
  const rule = block(values, 'default_admission_rule');
  if (!rule) return { message: `${resource.address}: default_admission_rule is missing (the provider requires exactly one)` };
  const defaultRule = restRule(rule, project);
  if ('message' in defaultRule) return { message: `${resource.address}: default_admission_rule: ${defaultRule.message}` };
  const value: Record<string, unknown> = { defaultAdmissionRule: defaultRule.rule };
  if (project) value['name'] = `projects/${project}/policy`;
  const globalMode = stringAttribute(values, 'global_policy_evaluation_mode');
  if (globalMode) value['globalPolicyEvaluationMode'] = globalMode;
  const patterns = values['admission_whitelist_patterns'];
  if (Array.isArray(patterns)) value['admissionWhitelistPatterns'] = patterns.map((p) => ({ namePattern: asRecord(p)?.['name_pattern'] }));
  else if (patterns !== null && patterns !== undefined) return { message: `${resource.address}: admission_whitelist_patterns is not a list of blocks` };
  const clusters = clusterRules(values['cluster_admission_rules'], project, anyUnknown(unknown, ['cluster_admission_rules']));
  if (clusters.rules) value['clusterAdmissionRules'] = clusters.rules;
  notes.push(...clusters.notes);
  return { value, notes };
}

type RestRule = { rule: Record<string, unknown> } | { message: string };

function restRule(rule: Record<string, unknown>, project: string | null): RestRule {
  const out: Record<string, unknown> = { evaluationMode: rule['evaluation_mode'], enforcementMode: rule['enforcement_mode'] };
  const attestors = rule['require_attestations_by'];
  if (attestors === null || attestors === undefined) return { rule: out };
  if (!Array.isArray(attestors)) return { message: 'require_attestations_by is not a set of attestor names' };
  const names: unknown[] = [];
  for (const name of attestors) {
    const expanded = expandAttestor(name, project);
    if ('message' in expanded) return expanded;
    names.push(expanded.name);
  }
  out['requireAttestationsBy'] = [...names].sort((a, b) => String(a).localeCompare(String(b)));
  return { rule: out };
}

/** The provider expands a short attestor name with the resource's (else the provider's) project. */
function expandAttestor(name: unknown, project: string | null): { name: unknown } | { message: string } {
  // Anything but a short name goes to the policy reader as written, which validates it.
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) return { name };
  if (project === null) {
    return { message: `the short attestor name ${name} needs a project: set project on the policy or the google provider, or give the project` };
  }
  return { name: `projects/${project}/attestors/${name}` };
}

function clusterRules(value: unknown, project: string | null, unknown: boolean): { rules: Record<string, unknown> | null; notes: string[] } {
  if (unknown)
    return { rules: null, notes: ['cluster_admission_rules is known only after apply; Cloud Run ignores cluster rules, so it does not change a verdict'] };
  if (!Array.isArray(value) || value.length === 0) return { rules: null, notes: [] };
  const rules: Record<string, unknown> = {};
  value.forEach((item, index) => {
    const rule = asRecord(item);
    const key = typeof rule?.['cluster'] === 'string' ? rule['cluster'] : `#${index + 1}`;
    const rest = rule ? restRule(rule, project) : { message: 'not a block' };
    rules[key] = 'rule' in rest ? rest.rule : {};
  });
  return { rules, notes: [] };
}

/** Whether the value at `path`, or anything inside it, is known only after apply. */
function anyUnknown(unknown: unknown, path: (string | number)[]): boolean {
  if (isUnknown(unknown, path)) return true;
  let current = unknown;
  for (const key of path) {
    current = typeof key === 'number' ? (Array.isArray(current) ? current[key] : undefined) : asRecord(current)?.[key];
    if (current === undefined) return false;
  }
  return containsTrue(current, 0);
}

function containsTrue(value: unknown, depth: number): boolean {
  if (value === true) return true;
  if (depth > 16 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((child) => containsTrue(child, depth + 1));
}
