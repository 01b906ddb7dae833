// Turns the documents of one manifest file into Cloud Run workloads, skipped documents and
// problems. Knows the three shapes users hold: the v1 Service (serving.knative.dev/v1, as
// `gcloud run services describe --format export` prints it), the v1 Job (run.googleapis.com/v1)
// and the Cloud Run Admin API v2 resource (template.containers, binaryAuthorization), and Config
// Connector's RunService and RunJob (run.cnrm.cloud.google.com: the v2 shape under `spec`).
import { parseYamlSource, type Path, type YamlDocument } from '../yaml/yaml-source.ts';
import { asRecord, describeValue, getPath, nameOrDescription } from '../yaml/values.ts';
import type { ContainerSpec, EnforcementSetting, ManifestSet, SkippedDocument, Workload, WorkloadKind } from './workload.ts';
import { isTerraformPlan, readPlan } from '../terraform/plan.ts';
import { workloadsFromPlan } from '../terraform/plan-workloads.ts';

export const BINAUTHZ_ANNOTATION = 'run.googleapis.com/binary-authorization';
export const BREAKGLASS_ANNOTATION = 'run.googleapis.com/binary-authorization-breakglass';

/** `kcc`: a Config Connector resource, whose v2 fields sit under `spec` and whose name is `metadata.name`. */
type Shape = { readonly kind: WorkloadKind; readonly api: 'v1' | 'v2'; readonly podPath: Path; readonly kcc?: true };

const SHAPES = {
  v1Service: { kind: 'Service', api: 'v1', podPath: ['spec', 'template', 'spec'] },
  v1Job: { kind: 'Job', api: 'v1', podPath: ['spec', 'template', 'spec', 'template', 'spec'] },
  v2Service: { kind: 'Service', api: 'v2', podPath: ['template'] },
  v2Job: { kind: 'Job', api: 'v2', podPath: ['template', 'template'] },
  kccService: { kind: 'Service', api: 'v2', podPath: ['spec', 'template'], kcc: true },
  kccJob: { kind: 'Job', api: 'v2', podPath: ['spec', 'template', 'template'], kcc: true },
} as const satisfies Record<string, Shape>;

export function readWorkloads(file: string, text: string): ManifestSet {
  const source = parseYamlSource(text, { json: /\.json$/i.test(file) });
  if (!source.ok) {
    return { workloads: [], skipped: [], problems: source.problems.map((p) => ({ file, ...p })) };
  }
  const only = source.documents.length === 1 ? source.documents[0] : undefined;
  if (only && isTerraformPlan(only.value)) return readPlanWorkloads(file, only);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = [];
  for (const doc of source.documents) {
    const shape = shapeOf(doc.value);
    if ('skip' in shape) skipped.push({ file, line: doc.line, kind: shape.skip, why: shape.why });
    else workloads.push(readWorkload(file, doc, shape));
  }
  return { workloads, skipped, problems: [] };
}

/** A Terraform plan's services and jobs, each named by its resource address. */
function readPlanWorkloads(file: string, doc: YamlDocument): ManifestSet {
  const read = readPlan(doc);
  if (!read.ok) return { workloads: [], skipped: [], problems: [{ file, line: doc.line, message: read.problem }] };
  const planned = workloadsFromPlan(read.plan);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = planned.skipped.map((s) => ({ file, ...s }));
  for (const entry of planned.documents) {
    const read = readResource(file, entry.document);
    if ('why' in read) skipped.push({ ...read, kind: entry.address });
    else workloads.push({ ...read, name: entry.address, problems: [...entry.problems, ...read.problems] });
  }
  return { workloads, skipped, problems: [] };
}

/** One resource already parsed (a plan's resource, an Admin API answer): a workload, or why it is not one. */
export function readResource(file: string, doc: YamlDocument): Workload | SkippedDocument {
  const shape = shapeOf(doc.value);
  return 'skip' in shape ? { file, line: doc.line, kind: shape.skip, why: shape.why } : readWorkload(file, doc, shape);
}

function shapeOf(value: unknown): Shape | { skip: string; why: string } {
  const doc = asRecord(value);
  // Not the text itself: a .env file or a symlinked secret is a plain text document too.
  if (!doc) return { skip: describeValue(value), why: 'not a mapping, so not a Cloud Run resource' };
  const apiVersion = typeof doc['apiVersion'] === 'string' ? doc['apiVersion'] : null;
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : null;
  if (apiVersion === null && kind === null) return v2ShapeOf(doc);
  const label = `${apiVersion === null ? '(no apiVersion)' : nameOrDescription(apiVersion, 'apiVersion')} ${kind === null ? '(no kind)' : nameOrDescription(kind, 'kind')}`;
  if (apiVersion && /^serving\.knative\.dev\/v1(alpha1|beta1)?$/.test(apiVersion) && kind === 'Service') {
    return SHAPES.v1Service;
  }
  if (apiVersion && /^run\.googleapis\.com\/v1(alpha1|beta1)?$/.test(apiVersion)) {
    if (kind === 'Job') return SHAPES.v1Job;
    return { skip: label, why: `a Cloud Run ${kind === null ? 'resource' : nameOrDescription(kind, 'kind')}: binauthz-gate evaluates Services and Jobs only` };
  }
  if (apiVersion && /^run\.cnrm\.cloud\.google\.com\/v1(alpha1|beta1)?$/.test(apiVersion)) {
    if (kind === 'RunService') return SHAPES.kccService;
    if (kind === 'RunJob') return SHAPES.kccJob;
    return {
      skip: label,
      why: `a Config Connector ${kind === null ? 'resource' : nameOrDescription(kind, 'kind')}: binauthz-gate evaluates RunService and RunJob only`,
    };
  }
  return { skip: label, why: 'not a Cloud Run Service or Job' };
}

function v2ShapeOf(doc: Record<string, unknown>): Shape | { skip: string; why: string } {
  const template = asRecord(doc['template']);
  // A `containers` that is there but not a list is a broken workload (read, and reported), never a skipped document.
  if (template && 'containers' in template) return SHAPES.v2Service;
  if (template && 'containers' in (asRecord(template['template']) ?? {})) return SHAPES.v2Job;
  return { skip: '(no apiVersion or kind)', why: 'neither a Kubernetes-style resource nor a Cloud Run v2 resource' };
}

function readWorkload(file: string, doc: YamlDocument, shape: Shape): Workload {
  const value = doc.value as Record<string, unknown>;
  const problems: string[] = [];
  const notes: string[] = [];
  const enforcement =
    shape.api === 'v1'
      ? v1Enforcement(doc, shape, problems, notes)
      : shape.kcc
        ? v2Enforcement(asRecord(value['spec'])?.['binaryAuthorization'], problems, KCC_BINAUTHZ)
        : v2Enforcement(value['binaryAuthorization'], problems, V2_BINAUTHZ);
  const invalidEnforcement = problems.length > 0;
  return {
    invalidEnforcement,
    kind: shape.kind,
    api: shape.api,
    name: workloadName(value, shape, file),
    file,
    line: doc.line,
    enforcement,
    containers: readContainers(doc, shape, problems),
    notes,
    problems,
    ...(shape.kcc ? { enforcementPath: KCC_BINAUTHZ.field } : {}),
  };
}

function workloadName(value: Record<string, unknown>, shape: Shape, file: string): string {
  const name = shape.api === 'v1' || shape.kcc ? asRecord(value['metadata'])?.['name'] : value['name'];
  if (typeof name !== 'string' || name.trim() === '') return `(unnamed ${shape.kind.toLowerCase()} in ${file})`;
  // v2 resources carry their full name: projects/P/locations/L/services/NAME.
  return shape.api === 'v2' && !shape.kcc ? (name.split('/').pop() ?? name) : name;
}

function readContainers(doc: YamlDocument, shape: Shape, problems: string[]): ContainerSpec[] {
  const pod = asRecord(getPath(doc.value, shape.podPath));
  const containers: ContainerSpec[] = [];
  for (const key of ['initContainers', 'containers'] as const) {
    const list = pod?.[key];
    if (list === undefined || list === null) continue;
    const path = [...shape.podPath, key];
    if (!Array.isArray(list)) {
      problems.push(`${path.join('.')} (line ${doc.lineOf(path)}) is not a list of containers`);
      continue;
    }
    list.forEach((item, index) => {
      const container = readContainer(doc, [...path, index], item, index + 1);
      if (container) containers.push(container);
      else problems.push(`${path.join('.')}[${index}] (line ${doc.lineOf([...path, index])}) is not a container mapping`);
    });
  }
  if (containers.length === 0) {
    const path = [...shape.podPath, 'containers'];
    problems.push(`no containers at ${path.join('.')} (line ${doc.lineOf(path)}): nothing to evaluate`);
  }
  return containers;
}

function readContainer(doc: YamlDocument, path: Path, item: unknown, position: number): ContainerSpec | null {
  const container = asRecord(item);
  if (!container) return null;
  const name = typeof container['name'] === 'string' && container['name'] !== '' ? container['name'] : `#${position}`;
  const image = typeof container['image'] === 'string' && container['image'].trim() !== '' ? container['image'] : null;
  return { name, image, line: doc.lineOf(image === null ? path : [...path, 'image']) };
}

function v1Enforcement(doc: YamlDocument, shape: Shape, problems: string[], notes: string[]): EnforcementSetting {
  const annotations = getPath(doc.value, ['metadata', 'annotations']);
  const own = asRecord(annotations) ?? {};
  if (annotations !== undefined && annotations !== null && asRecord(annotations) === null) {
    problems.push(`metadata.annotations (line ${doc.lineOf(['metadata', 'annotations'])}) must be a mapping, not ${describeValue(annotations)}`);
  }
  noteMisplacedAnnotations(doc, shape, notes);
  const breakglass = stringAnnotation(own, BREAKGLASS_ANNOTATION, problems);
  const policy = stringAnnotation(own, BINAUTHZ_ANNOTATION, problems);
  if (breakglass !== null) {
    if (breakglass === '') {
      notes.push(
        `${BREAKGLASS_ANNOTATION} is empty: gcloud treats an empty justification as set; Cloud Run's handling is undocumented, so the verdict is decided only where both readings agree`,
      );
    } else if (breakglass.trim() === '') {
      notes.push(`${BREAKGLASS_ANNOTATION} holds only whitespace: write the incident it is for`);
    }
    notes.push(
      `a breakglass annotation kept in YAML is sent again by every \`gcloud run ${shape.kind === 'Job' ? 'jobs' : 'services'} replace\`: remove it once the incident is over`,
    );
  }
  if (policy === null) return { mode: 'not-enforced', why: `no ${BINAUTHZ_ANNOTATION} annotation on the ${shape.kind}'s own metadata` };
  if (policy === '') return { mode: 'not-enforced', why: `${BINAUTHZ_ANNOTATION} is empty` };
  return enforcementFromPolicyValue(policy, breakglass, problems, BINAUTHZ_ANNOTATION);
}

/**
 * Reference §5.1: in the v1 annotation exactly `default` is the project policy; any other value names a Cloud
 * Run platform policy. The v2 `policy` field only ever names one (the project policy is `useDefault: true`).
 */
function enforcementFromPolicyValue(policy: string, breakglass: string | null, problems: string[], field: string): EnforcementSetting {
  if (policy === 'default' && field === BINAUTHZ_ANNOTATION) return { mode: 'default', breakglass };
  if (!PLATFORM_POLICY.test(policy)) problems.push(platformPolicyProblem(policy, field));
  return { mode: 'named-policy', policy, breakglass };
}

const PLATFORM_POLICY = /^projects\/[^/\s]+\/platforms\/cloudRun\/policies\/[^/\s]+$/;

/** Named without the value: it comes from the manifest and may hold anything. */
function platformPolicyProblem(policy: string, field: string): string {
  const hint =
    policy === 'default'
      ? ' ("default" is the v1 annotation\'s value: in v2 the project policy is useDefault: true)'
      : policy.trim() === 'default'
        ? ' (it is "default" with whitespace around it, and Cloud Run compares the value exactly)'
        : '';
  return `${field} is neither "default" nor a Cloud Run platform policy (projects/PROJECT/platforms/cloudRun/policies/NAME)${hint}; Cloud Run will reject it`;
}

function noteMisplacedAnnotations(doc: YamlDocument, shape: Shape, notes: string[]): void {
  const templatePath = ['spec', 'template', 'metadata', 'annotations'];
  const onTemplate = asRecord(getPath(doc.value, templatePath)) ?? {};
  for (const key of [BINAUTHZ_ANNOTATION, BREAKGLASS_ANNOTATION]) {
    if (key in onTemplate) {
      notes.push(
        `${key} on spec.template.metadata.annotations (line ${doc.lineOf([...templatePath, key])}) does nothing there: Cloud Run reads it only from the ${shape.kind}'s own metadata.annotations`,
      );
    }
  }
}

function stringAnnotation(annotations: Record<string, unknown>, key: string, problems: string[]): string | null {
  const value = annotations[key];
  if (value === undefined || value === null) return value === null ? '' : null;
  if (typeof value === 'string') return value;
  problems.push(`${key} must be a string, not ${describeValue(value)}: quote it`);
  return String(value);
}

/** Where the binaryAuthorization block is, its fields, and whose they are (for the messages). */
interface BinauthzField {
  readonly field: string;
  readonly fields: ReadonlySet<string>;
  readonly owner: string;
}

const V2_BINAUTHZ: BinauthzField = {
  field: 'binaryAuthorization',
  fields: new Set(['useDefault', 'policy', 'breakglassJustification']),
  owner: "Cloud Run's BinaryAuthorization",
};
/** The RunService and RunJob CRDs (v1beta1) have no `policy`: Config Connector cannot name a platform policy. */
const KCC_BINAUTHZ: BinauthzField = {
  field: 'spec.binaryAuthorization',
  fields: new Set(['useDefault', 'breakglassJustification']),
  owner: "Config Connector's binaryAuthorization (useDefault, breakglassJustification; it has no policy field)",
};

function v2Enforcement(value: unknown, problems: string[], at: BinauthzField): EnforcementSetting {
  const field = at.field;
  if (value === undefined || value === null) return { mode: 'not-enforced', why: `no ${field} field` };
  const setting = asRecord(value);
  if (!setting) {
    problems.push(`${field} must be a mapping (${[...at.fields].join(', ')}), not ${describeValue(value)}`);
    return { mode: 'not-enforced', why: `${field} is not a mapping` };
  }
  for (const key of Object.keys(setting)) {
    if (!at.fields.has(key)) problems.push(`${field}.${nameOrDescription(key)} is not a field of ${at.owner}`);
  }
  // A `policy` the CRD does not have is reported above and never used as a platform policy.
  const { useDefault, breakglassJustification: justification } = setting;
  const policy = at.fields.has('policy') ? setting['policy'] : undefined;
  if (useDefault !== undefined && typeof useDefault !== 'boolean') problems.push(`${field}.useDefault must be true or false`);
  if (policy !== undefined && typeof policy !== 'string') problems.push(`${field}.policy must be a string`);
  if (justification !== undefined && typeof justification !== 'string') problems.push(`${field}.breakglassJustification must be a string`);
  // proto3: an empty string is the same as unset (reference Q9).
  const breakglass = typeof justification === 'string' && justification !== '' ? justification : null;
  const named = typeof policy === 'string' && policy !== '' ? policy : null;
  if (named !== null && useDefault !== undefined) {
    problems.push(`${field}.useDefault and ${field}.policy are one of a kind (oneof): set only one`);
    if (useDefault === true) return { mode: 'default', breakglass };
  }
  if (named !== null) return enforcementFromPolicyValue(named, breakglass, problems, `${field}.policy`);
  if (useDefault === true) return { mode: 'default', breakglass };
  if (breakglass !== null) {
    problems.push(`${field}.breakglassJustification must be empty when useDefault is false or unset`);
  }
  return { mode: 'not-enforced', why: `${field}.useDefault is false or unset` };
}
