// Reads a project policy as `gcloud container binauthz policy export` (YAML) or the REST API
// (JSON) gives it, or wrapped in a Config Connector BinaryAuthorizationPolicy. Anything that
// is not valid, or not a project policy at all, is an error naming the field: never a guess.
import { parseYamlSource, type Path, type YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord, closestAllowed, describeValue, nameOrDescription } from '../yaml/values.ts';
import { parseAllowlistPattern, type AllowlistPattern } from './allowlist.ts';
import type { AdmissionRule, EnforcementMode, ParsedPolicy, PolicyError, PolicyNote } from './policy.ts';
import { isTerraformPlan, readPlan } from '../terraform/plan.ts';
import { policyFromPlan, type PlanPolicyOptions } from '../terraform/plan-policy.ts';
import { ATTESTOR_NAME } from './resource-names.ts';

const SPECIFIC_RULE_FIELDS = [
  'clusterAdmissionRules',
  'kubernetesNamespaceAdmissionRules',
  'kubernetesServiceAccountAdmissionRules',
  'istioServiceIdentityAdmissionRules',
] as const;

const POLICY_FIELDS = new Set<string>([
  'name',
  'description',
  'globalPolicyEvaluationMode',
  'admissionWhitelistPatterns',
  'defaultAdmissionRule',
  'updateTime',
  'etag',
  ...SPECIFIC_RULE_FIELDS,
]);
/** Config Connector's spec adds a reference to the project that holds the policy. */
const KCC_EXTRA_FIELDS = new Set(['projectRef']);

const EVALUATION_MODES = ['ALWAYS_ALLOW', 'ALWAYS_DENY', 'REQUIRE_ATTESTATION'] as const;
const ENFORCEMENT_MODES = ['ENFORCED_BLOCK_AND_AUDIT_LOG', 'DRYRUN_AUDIT_LOG_ONLY'] as const;
const GLOBAL_MODES = ['GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED', 'ENABLE', 'DISABLE'];

/** Collects errors and notes while walking one policy body; `at` turns a body path into a field name and line. */
class PolicyReader {
  readonly errors: PolicyError[] = [];
  readonly notes: PolicyNote[] = [];
  readonly doc: YamlDocument;
  readonly base: Path;

  constructor(doc: YamlDocument, base: Path) {
    this.doc = doc;
    this.base = base;
  }

  field(path: Path): string {
    return [...this.base, ...path].reduce<string>(
      // Keys come from the file: named only when name-shaped (values never are; see values.ts).
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${nameOrDescription(key)}` : nameOrDescription(key)),
      '',
    );
  }

  line(path: Path): number {
    return this.doc.lineOf([...this.base, ...path]);
  }

  error(path: Path, message: string): void {
    this.errors.push({ field: this.field(path), line: this.line(path), message: `${this.field(path)}: ${message}` });
  }

  note(path: Path, message: string): void {
    this.notes.push({ field: this.field(path), line: this.line(path), message });
  }
}

const NO_PLAN_OPTIONS: PlanPolicyOptions = { address: null, project: null };

/** `plan` says which policy of a Terraform plan to read, and the project of its short names. */
export function parsePolicyText(source: string, text: string, plan: PlanPolicyOptions = NO_PLAN_OPTIONS): ParsedPolicy {
  const parsed = parseYamlSource(text, { json: /\.json$/i.test(source) });
  if (looksLikeTerraform(text)) {
    return fail(
      '(file)',
      null,
      'not a policy file: it looks like Terraform (HCL). Export the project policy with `gcloud container binauthz policy export` instead',
    );
  }
  if (!parsed.ok) return { ok: false, errors: parsed.problems.map((p) => ({ field: '(file)', line: p.line, message: p.message })) };
  if (parsed.documents.length !== 1) {
    const count = parsed.documents.length;
    return fail('(file)', null, count === 0 ? 'the file is empty' : `the file holds ${count} YAML documents; a policy file holds one`);
  }
  const doc = parsed.documents[0] as YamlDocument;
  if (isTerraformPlan(doc.value)) return parsePlanPolicy(source, doc, plan);
  const body = policyBody(doc);
  if ('error' in body) return fail('(file)', doc.line, body.error);
  return readPolicy(source, new PolicyReader(doc, body.base), body.value, body.kcc);
}

/** The policy a Terraform plan leaves, read by the same rules as an exported one. */
function parsePlanPolicy(source: string, doc: YamlDocument, options: PlanPolicyOptions): ParsedPolicy {
  const read = readPlan(doc);
  if (!read.ok) return fail('(file)', doc.line, read.problem);
  const planned = policyFromPlan(read.plan, options);
  if (!planned.ok) return fail('(file)', planned.line, planned.message);
  const value = asRecord(planned.document.value) ?? {};
  const parsed = readPolicy(`${source}#${planned.address}`, new PolicyReader(planned.document, []), value, false);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((e) => ({ ...e, message: `${planned.address}: ${e.message}` })) };
  const notes = planned.notes.map((message) => ({ field: planned.address, line: planned.document.line, message }));
  return { ok: true, policy: { ...parsed.policy, googleDefault: planned.deleted, notes: [...notes, ...parsed.policy.notes] } };
}

function looksLikeTerraform(text: string): boolean {
  return /^\s*(resource|data|variable|module|provider)\s+"[^"]+"(\s+"[^"]+")?\s*\{/m.test(text);
}

function fail(field: string, line: number | null, message: string): ParsedPolicy {
  return { ok: false, errors: [{ field, line, message }] };
}

type Body = { value: Record<string, unknown>; base: Path; kcc: boolean } | { error: string };

/** Finds the policy inside the document, or says what the document is instead. */
function policyBody(doc: YamlDocument): Body {
  const top = asRecord(doc.value);
  if (!top) return { error: `not a Binary Authorization policy: the document is ${describeValue(doc.value)}, not a mapping` };
  const { apiVersion, kind } = top;
  if (typeof apiVersion === 'string' && apiVersion.startsWith('binaryauthorization.cnrm.cloud.google.com/') && kind === 'BinaryAuthorizationPolicy') {
    const spec = asRecord(top['spec']);
    return spec ? { value: spec, base: ['spec'], kcc: true } : { error: 'a Config Connector BinaryAuthorizationPolicy without a spec' };
  }
  if (apiVersion !== undefined || kind !== undefined) {
    return {
      error: `not a Binary Authorization project policy: it is a ${shownName(apiVersion, 'apiVersion')} ${shownName(kind, 'kind')}${knownKindHint(String(apiVersion))}`,
    };
  }
  if ('gkePolicy' in top || 'cloudRunPolicy' in top) {
    const platform =
      'gkePolicy' in top ? 'GKE platform policy (gkePolicy check sets, used by continuous validation)' : 'Cloud Run platform policy (cloudRunPolicy)';
    return {
      error: `not a project policy: this is a ${platform}. Cloud Run's \`default\` setting uses the project policy: export it with \`gcloud container binauthz policy export\``,
    };
  }
  const keys = Object.keys(top);
  if (!keys.some((key) => POLICY_FIELDS.has(key))) {
    return {
      error: `does not look like a Binary Authorization policy: it has none of defaultAdmissionRule, admissionWhitelistPatterns, name (its keys: ${keys
        .slice(0, 6)
        .map((key) => nameOrDescription(key))
        .join(', ')}${keys.length > 6 ? ', …' : ''})`,
    };
  }
  return { value: top, base: [], kcc: false };
}

function shownName(value: unknown, what: string): string {
  return typeof value === 'string' ? nameOrDescription(value, what) : `(no ${what})`;
}

function knownKindHint(apiVersion: string): string {
  if (apiVersion.startsWith('kritis.grafeas.io/')) return ' (a Kritis resource, not a Binary Authorization policy)';
  return '';
}

function readPolicy(source: string, reader: PolicyReader, body: Record<string, unknown>, kcc: boolean): ParsedPolicy {
  for (const key of Object.keys(body)) {
    if (!POLICY_FIELDS.has(key) && !(kcc && KCC_EXTRA_FIELDS.has(key))) reader.error([key], 'is not a field of a Binary Authorization policy');
  }
  const name = optionalString(reader, body, 'name');
  if (name !== null && !/^projects\/[^/]+\/policy$/.test(name)) reader.error(['name'], 'is not a project policy name (projects/PROJECT/policy)');
  const etag = optionalString(reader, body, 'etag');
  optionalString(reader, body, 'description');
  readGlobalMode(reader, body['globalPolicyEvaluationMode']);
  const allowlist = readAllowlist(reader, body['admissionWhitelistPatterns']);
  if (body['defaultAdmissionRule'] === undefined) reader.error(['defaultAdmissionRule'], 'is required (the only rule Cloud Run applies) and missing');
  const defaultRule = body['defaultAdmissionRule'] === undefined ? null : readRule(reader, ['defaultAdmissionRule'], body['defaultAdmissionRule'], kcc);
  for (const field of SPECIFIC_RULE_FIELDS) readIgnoredRules(reader, field, body[field], kcc);
  if (reader.errors.length > 0 || defaultRule === null) return { ok: false, errors: reader.errors };
  const globalEvaluationMode = typeof body['globalPolicyEvaluationMode'] === 'string' ? body['globalPolicyEvaluationMode'] : null;
  return { ok: true, policy: { source, name, etag, defaultRule, allowlist, globalEvaluationMode, googleDefault: false, notes: reader.notes } };
}

function optionalString(reader: PolicyReader, body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  reader.error([key], `must be a string, not ${describeValue(value)}`);
  return null;
}

function readGlobalMode(reader: PolicyReader, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !GLOBAL_MODES.includes(value)) {
    reader.error(['globalPolicyEvaluationMode'], `${describeValue(value)} is not one of ${GLOBAL_MODES.join(', ')}${meant(value, GLOBAL_MODES)}`);
  } else if (value === 'ENABLE') {
    reader.note(
      ['globalPolicyEvaluationMode'],
      'ENABLE adds the Google-maintained system policy, which Google documents for GKE only: binauthz-gate never exempts a Cloud Run image through it',
    );
  }
}

function readAllowlist(reader: PolicyReader, value: unknown): AllowlistPattern[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.error(['admissionWhitelistPatterns'], `must be a list of {namePattern: ...}, not ${describeValue(value)}`);
    return [];
  }
  const patterns: AllowlistPattern[] = [];
  value.forEach((item, index): void => {
    const entry = asRecord(item);
    const path = ['admissionWhitelistPatterns', index];
    const extra = entry ? Object.keys(entry).filter((key) => key !== 'namePattern') : [];
    if (!entry || typeof entry['namePattern'] !== 'string' || extra.length > 0) {
      reader.error(
        path,
        `must be {namePattern: "registry/path/..."}, not ${describeValue(item)}${extra.length ? ` (unknown field ${extra.map((key) => nameOrDescription(key)).join(', ')})` : ''}`,
      );
      return;
    }
    const parsed = parseAllowlistPattern(entry['namePattern']);
    if (!parsed.ok) {
      reader.error([...path, 'namePattern'], parsed.problem);
      return;
    }
    patterns.push(parsed.pattern);
    for (const warning of parsed.warnings) reader.note([...path, 'namePattern'], warning);
  });
  return patterns;
}

/** Validates a rule; returns null (with errors recorded) when it is not a valid AdmissionRule. */
function readRule(reader: PolicyReader, path: Path, value: unknown, kcc: boolean): AdmissionRule | null {
  const rule = asRecord(value);
  if (!rule) {
    reader.error(path, `must be a rule {evaluationMode, enforcementMode}, not ${describeValue(value)}`);
    return null;
  }
  const before = reader.errors.length;
  for (const key of Object.keys(rule)) {
    if (!['evaluationMode', 'enforcementMode', 'requireAttestationsBy'].includes(key)) reader.error([...path, key], 'is not a field of an admission rule');
  }
  const evaluationMode = oneOf(reader, [...path, 'evaluationMode'], rule['evaluationMode'], EVALUATION_MODES);
  const enforcementMode = oneOf(reader, [...path, 'enforcementMode'], rule['enforcementMode'], ENFORCEMENT_MODES);
  const attestors = readAttestorNames(reader, [...path, 'requireAttestationsBy'], rule['requireAttestationsBy'], kcc);
  const listed = Array.isArray(rule['requireAttestationsBy']) ? rule['requireAttestationsBy'].length : 0;
  if (evaluationMode === 'REQUIRE_ATTESTATION' && listed === 0) {
    reader.error([...path, 'requireAttestationsBy'], 'must name at least one attestor when evaluationMode is REQUIRE_ATTESTATION');
  }
  if (evaluationMode !== null && evaluationMode !== 'REQUIRE_ATTESTATION' && listed > 0) {
    reader.error([...path, 'requireAttestationsBy'], `must be empty when evaluationMode is ${evaluationMode}`);
  }
  if (reader.errors.length > before || evaluationMode === null || enforcementMode === null) return null;
  return buildRule(evaluationMode, enforcementMode, attestors);
}

function buildRule(evaluationMode: (typeof EVALUATION_MODES)[number], enforcementMode: EnforcementMode, attestors: string[]): AdmissionRule | null {
  if (evaluationMode !== 'REQUIRE_ATTESTATION') return { evaluationMode, enforcementMode };
  const [first, ...rest] = attestors;
  return first === undefined ? null : { evaluationMode, enforcementMode, requireAttestationsBy: [first, ...rest] };
}

function oneOf<T extends string>(reader: PolicyReader, path: Path, value: unknown, allowed: readonly T[]): T | null {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  reader.error(
    path,
    value === undefined ? `is required (one of ${allowed.join(', ')})` : `${describeValue(value)} is not one of ${allowed.join(', ')}${meant(value, allowed)}`,
  );
  return null;
}

/** ` (did you mean X?)` naming our own constant, never the value written. */
function meant(value: unknown, allowed: readonly string[]): string {
  const closest = closestAllowed(value, allowed);
  return closest === null ? '' : ` (did you mean ${closest}?)`;
}

function readAttestorNames(reader: PolicyReader, path: Path, value: unknown, kcc: boolean): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.error(path, `must be a list of attestor names, not ${describeValue(value)}`);
    return [];
  }
  const names: string[] = [];
  value.forEach((item, index) => {
    const name = kcc ? kccAttestorName(item) : item;
    if (typeof name === 'string' && (ATTESTOR_NAME.test(name) || kcc)) names.push(name);
    else reader.error([...path, index], `${describeValue(item)} is not an attestor name (projects/PROJECT/attestors/ATTESTOR)${placeholderHint(name)}`);
  });
  return names;
}

/** Names the placeholder itself (`${GCP_PROJECT_ID}`, `<PROJECT>`, `{{ project }}`): it is an identifier, not a value. */
function placeholderHint(name: unknown): string {
  if (typeof name !== 'string' || !/[${}<>]|[A-Z]{3,}_[A-Z]/.test(name)) return '';
  const placeholder =
    /\$\{?[A-Za-z_][A-Za-z0-9_]{0,63}\}?|<[A-Za-z_][A-Za-z0-9_-]{0,63}>|\{\{\s*[A-Za-z_.][A-Za-z0-9_.]{0,63}\s*\}\}|\b[A-Z][A-Z0-9]{2,}(?:_[A-Z0-9]+)+\b/.exec(
      name,
    )?.[0];
  return `: ${placeholder ?? 'it'} looks like a template placeholder that was never filled in`;
}

/** Config Connector refers to attestors as `{name: k8s-name}` or `{external: projects/P/attestors/A}`. */
function kccAttestorName(item: unknown): string | null {
  if (typeof item === 'string') return item;
  const ref = asRecord(item);
  if (typeof ref?.['external'] === 'string') return ref['external'];
  if (typeof ref?.['name'] === 'string') return `Config Connector attestor ${ref['name']}`;
  return null;
}

function readIgnoredRules(reader: PolicyReader, field: string, value: unknown, kcc: boolean): void {
  if (value === undefined || value === null) return;
  const rules = asRecord(value);
  if (!rules) {
    reader.error([field], `must be a map of rules, not ${describeValue(value)}`);
    return;
  }
  const keys = Object.keys(rules);
  if (keys.length === 0) return;
  reader.note([field], `${keys.length} rule(s) (${keys.map((key) => nameOrDescription(key)).join(', ')}) ignored: Cloud Run applies only defaultAdmissionRule`);
  // Ignored rules cannot change a Cloud Run verdict, so their mistakes are notes, not errors.
  const scratch = new PolicyReader(reader.doc, reader.base);
  for (const key of keys) readRule(scratch, [field, key], rules[key], kcc);
  // Each problem keeps its own field and line: a note on the parent's line would hide which rule it is.
  for (const problem of scratch.errors)
    reader.notes.push({ field: problem.field, line: problem.line, message: `${problem.message} (invalid, and ignored on Cloud Run)` });
}
