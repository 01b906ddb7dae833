// Writes a deterministic tree of Cloud Run v1 manifests (one Service or Job per file) and an ALWAYS_DENY
// policy with 20 exempt patterns, and returns the counts a correct check must report for it.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Verdict = 'pass' | 'warn' | 'fail' | 'error';
export type Decision = 'allow' | 'deny' | 'error';

export interface Expected {
  readonly workloads: number;
  readonly services: number;
  readonly jobs: number;
  readonly containers: number;
  readonly verdicts: Record<Verdict, number>;
  readonly decisions: Record<Decision, number>;
}

export interface GeneratedTree {
  readonly policyFile: string;
  readonly manifestDir: string;
  readonly expected: Expected;
}

/** What a workload is made to be, and the verdict the check must give it. */
const CATEGORIES = [
  { name: 'exempt', weight: 0.5, verdict: 'pass' },
  { name: 'denied', weight: 0.23, verdict: 'fail' },
  { name: 'not-enforced', weight: 0.13, verdict: 'fail' },
  { name: 'breakglass', weight: 0.13, verdict: 'warn' },
  { name: 'invalid-image', weight: 0.01, verdict: 'error' },
] as const;
type Category = (typeof CATEGORIES)[number]['name'];

const PROJECTS = 4; // gcr.io/bench-base-K/* and us-docker.pkg.dev/bench-shared-K/**
const REPOS = 6; // .../svc-K@* and .../tool-K@sha256:<exact>
const TAGGED_SHARE = 0.15;

const digestOf = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
const pinnedDigest = (k: number): string => digestOf(`pinned tool ${k}`);

/** mulberry32: a small seeded generator, so every run writes the same tree. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function policyYaml(): string {
  const patterns = [
    ...range(PROJECTS).map((k) => `gcr.io/bench-base-${k}/*`),
    ...range(PROJECTS).map((k) => `us-docker.pkg.dev/bench-shared-${k}/**`),
    ...range(REPOS).map((k) => `europe-docker.pkg.dev/bench-team/images/svc-${k}@*`),
    ...range(REPOS).map((k) => `us-central1-docker.pkg.dev/bench-pinned/r/tool-${k}@${pinnedDigest(k)}`),
  ];
  return [
    'name: projects/bench/policy',
    'globalPolicyEvaluationMode: ENABLE',
    'admissionWhitelistPatterns:',
    ...patterns.map((pattern) => `- namePattern: ${pattern}`),
    'defaultAdmissionRule:',
    '  evaluationMode: ALWAYS_DENY',
    '  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG',
    `etag: '"bench"'`,
    `updateTime: '2026-01-01T00:00:00Z'`,
    '',
  ].join('\n');
}

class ImageMaker {
  readonly random: () => number;
  serial = 0;

  constructor(random: () => number) {
    this.random = random;
  }

  pick(count: number): number {
    return Math.floor(this.random() * count);
  }

  /** Digest-pinned mostly; a tag only where the verdict does not depend on the digest. */
  version(name: string, taggable: boolean): string {
    this.serial++;
    if (taggable && this.random() < TAGGED_SHARE) return `${name}:v1.${this.serial % 40}.${this.pick(10)}`;
    return `${name}@${digestOf(`${name} ${this.serial}`)}`;
  }

  exempt(): string {
    const n = this.serial;
    switch (this.pick(4)) {
      case 0:
        return this.version(`gcr.io/bench-base-${this.pick(PROJECTS)}/app-${n}`, true);
      case 1:
        return this.version(`us-docker.pkg.dev/bench-shared-${this.pick(PROJECTS)}/team-${n % 9}/app-${n}`, true);
      case 2:
        return this.version(`europe-docker.pkg.dev/bench-team/images/svc-${this.pick(REPOS)}`, true);
      default: {
        const k = this.pick(REPOS);
        return `us-central1-docker.pkg.dev/bench-pinned/r/tool-${k}@${pinnedDigest(k)}`;
      }
    }
  }

  /** Near misses of the patterns: outside every project, one '/' too deep for '*', a sibling name, another digest. */
  denied(): string {
    const n = this.serial;
    switch (this.pick(4)) {
      case 0:
        return this.version(`us-docker.pkg.dev/bench-private/app/svc-${n}`, true);
      case 1:
        return this.version(`gcr.io/bench-base-${this.pick(PROJECTS)}/nested/app-${n}`, false);
      case 2:
        return this.version(`europe-docker.pkg.dev/bench-team/images/svc-${this.pick(REPOS)}-debug`, false);
      default:
        return this.version(`us-central1-docker.pkg.dev/bench-pinned/r/tool-${this.pick(REPOS)}`, false);
    }
  }

  invalid(): string {
    return ['gcr.io/PROJECT_ID/app:latest', '${IMAGE}', 'gcr.io/bench-base-0/app@sha256:abc123'][this.pick(3)] as string;
  }
}

interface Container {
  readonly image: string;
  readonly decision: Decision;
}

function containersFor(category: Category, count: number, images: ImageMaker): Container[] {
  const special = images.pick(count); // the container that gives the workload its verdict
  return range(count).map((i): Container => {
    if (category === 'invalid-image' && i === special) return { image: images.invalid(), decision: 'error' };
    const mustDeny = (category === 'denied' || category === 'breakglass') && i === special;
    const deny = mustDeny || (category !== 'exempt' && category !== 'invalid-image' && images.random() < 0.3);
    return deny ? { image: images.denied(), decision: 'deny' } : { image: images.exempt(), decision: 'allow' };
  });
}

function manifestYaml(kind: 'Service' | 'Job', name: string, category: Category, containers: readonly Container[]): string {
  const annotations = [
    ...(category === 'not-enforced' ? [] : ['run.googleapis.com/binary-authorization: default']),
    ...(category === 'breakglass' ? [`run.googleapis.com/binary-authorization-breakglass: "incident ${name}"`] : []),
    'run.googleapis.com/launch-stage: GA',
  ];
  const head = [
    kind === 'Service' ? 'apiVersion: serving.knative.dev/v1' : 'apiVersion: run.googleapis.com/v1',
    `kind: ${kind}`,
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    ...annotations.map((line) => `    ${line}`),
    'spec:',
    '  template:',
  ];
  const pod = (indent: string): string[] => [
    `${indent}containers:`,
    ...containers.flatMap((c, i) => [
      `${indent}- name: ${i === 0 ? 'app' : `sidecar-${i}`}`,
      `${indent}  image: ${c.image}`,
      ...(i === 0 && kind === 'Service' ? [`${indent}  ports:`, `${indent}  - containerPort: 8080`] : []),
    ]),
  ];
  const body =
    kind === 'Service'
      ? ['    metadata:', '      annotations:', "        autoscaling.knative.dev/maxScale: '3'", '    spec:', ...pod('      ')]
      : ['    spec:', '      taskCount: 1', '      template:', '        spec:', ...pod('          ')];
  return [...head, ...body, ''].join('\n');
}

/** Writes `count` manifests under `root/manifests` (folders of 100) and the policy as `root/policy.yaml`. */
export function generateTree(root: string, count: number, seed: number): GeneratedTree {
  const random = seededRandom(seed);
  const images = new ImageMaker(random);
  const verdicts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, error: 0 };
  const decisions: Record<Decision, number> = { allow: 0, deny: 0, error: 0 };
  let services = 0;
  let containerCount = 0;
  const manifestDir = join(root, 'manifests');
  for (let i = 0; i < count; i++) {
    const kind = random() < 0.7 ? 'Service' : 'Job';
    const category = pickCategory(random());
    const containers = containersFor(category.name, 1 + images.pick(3), images);
    const name = `${kind === 'Service' ? 'svc' : 'job'}-${String(i).padStart(5, '0')}`;
    const folder = join(manifestDir, kind === 'Service' ? 'services' : 'jobs', `group-${Math.floor(i / 100)}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${name}.yaml`), manifestYaml(kind, name, category.name, containers));
    if (kind === 'Service') services++;
    verdicts[category.verdict]++;
    containerCount += containers.length;
    for (const c of containers) decisions[c.decision]++;
  }
  const policyFile = join(root, 'policy.yaml');
  writeFileSync(policyFile, policyYaml());
  return {
    policyFile,
    manifestDir,
    expected: { workloads: count, services, jobs: count - services, containers: containerCount, verdicts, decisions },
  };
}

function pickCategory(draw: number): (typeof CATEGORIES)[number] {
  let sum = 0;
  for (const category of CATEGORIES) {
    sum += category.weight;
    if (draw < sum) return category;
  }
  return CATEGORIES[0];
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
