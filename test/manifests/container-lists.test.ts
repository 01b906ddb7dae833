// A `containers` or `initContainers` that is not a list is a problem of the workload, naming its line,
// even when the other list holds containers: the images it hides were never checked, so the workload
// must not pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';
import { evaluateWorkload } from '../../src/policy/evaluate.ts';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { Evidence } from '../../src/policy/decision.ts';
import type { Workload } from '../../src/manifests/workload.ts';

const DIGEST = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const noLookups: Evidence = { attestations: () => assert.fail('no attestation should be looked up'), tags: () => null };

function v1Service(pod: string): string {
  return [
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    '  annotations:',
    '    run.googleapis.com/binary-authorization: default',
    'spec:',
    '  template:',
    '    spec:',
    pod,
  ].join('\n');
}

const INIT = `      initContainers:\n      - name: init\n        image: gcr.io/p/init@${DIGEST}`;

// Values that are not lists, each hiding an image.
const NOT_LISTS: readonly [string, string][] = [
  ['a mapping', `      containers:\n        name: app\n        image: gcr.io/evil/app@${DIGEST}`],
  ['a string', `      containers: gcr.io/evil/app@${DIGEST}`],
  ['a number', '      containers: 3'],
];

function onlyWorkload(text: string): Workload {
  const set = readWorkloads('web.yaml', text);
  assert.deepEqual(set.problems, []);
  assert.equal(set.workloads.length, 1, JSON.stringify(set));
  const [workload] = set.workloads;
  assert.ok(workload);
  return workload;
}

/** 1-based line of the first line of `text` that contains `needle`. */
function lineWith(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('containers that are not a list', () => {
  for (const [label, containers] of NOT_LISTS) {
    it(`${label} beside a valid initContainers list is a problem naming its line`, () => {
      const text = v1Service(`${INIT}\n${containers}`);
      const workload = onlyWorkload(text);
      assert.deepEqual(
        workload.containers.map((c) => c.image),
        [`gcr.io/p/init@${DIGEST}`],
      );
      const line = lineWith(text, '      containers:');
      assert.ok(
        workload.problems.some((problem) => problem.includes('spec.template.spec.containers') && problem.includes(String(line))),
        `${JSON.stringify(workload.problems)} should name spec.template.spec.containers and line ${line}`,
      );
    });

    it(`${label} alone is a problem, not a workload without images`, () => {
      const workload = onlyWorkload(v1Service(containers));
      assert.ok(workload.problems.length > 0);
    });

    it(`${label}: the workload does not pass, even under ALWAYS_ALLOW`, () => {
      const parsed = parsePolicyText('file:test', 'defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n');
      assert.ok(parsed.ok);
      const result = evaluateWorkload(onlyWorkload(v1Service(`${INIT}\n${containers}`)), parsed.policy, noLookups, { requireEnforcement: true });
      assert.notEqual(result.verdict, 'pass');
    });
  }

  it('an initContainers that is not a list, beside valid containers, is a problem too', () => {
    const text = v1Service(`      initContainers:\n        image: gcr.io/evil/init@${DIGEST}\n      containers:\n      - image: gcr.io/p/app@${DIGEST}`);
    const workload = onlyWorkload(text);
    assert.ok(
      workload.problems.some((problem) => problem.includes('spec.template.spec.initContainers')),
      JSON.stringify(workload.problems),
    );
  });
});

describe('list items that are not containers', () => {
  const items: readonly [string, string][] = [
    ['a string', `      - gcr.io/evil/app@${DIGEST}`],
    ['a number', '      - 3'],
    ['a list', `      - [gcr.io/evil/app@${DIGEST}]`],
    ['null', '      - null'],
  ];

  for (const [label, item] of items) {
    it(`${label} in containers is a problem naming its index and line; the valid container is still read`, () => {
      const text = v1Service(`      containers:\n      - name: app\n        image: gcr.io/p/app@${DIGEST}\n${item}`);
      const workload = onlyWorkload(text);
      assert.deepEqual(
        workload.containers.map((c) => c.image),
        [`gcr.io/p/app@${DIGEST}`],
      );
      const line = text.split('\n').length;
      assert.ok(
        workload.problems.some((problem) => problem.includes('spec.template.spec.containers[1]') && problem.includes(`line ${line}`)),
        `${JSON.stringify(workload.problems)} should name spec.template.spec.containers[1] and line ${line}`,
      );
    });
  }

  it('a container whose image is not a non-blank string has no image, and the workload does not pass', () => {
    const parsed = parsePolicyText('file:test', 'defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n');
    assert.ok(parsed.ok);
    for (const image of ['42', '{name: gcr.io/evil/app}', '[gcr.io/evil/app]', "'   '", "''", 'true']) {
      const text = v1Service(`      containers:\n      - name: app\n        image: ${image}`);
      const workload = onlyWorkload(text);
      assert.deepEqual(
        workload.containers.map((c) => [c.name, c.image]),
        [['app', null]],
        image,
      );
      // With no image to point at, the container's own line is the one to fix.
      assert.equal(workload.containers[0]?.line, lineWith(text, '- name: app'), image);
      const result = evaluateWorkload(workload, parsed.policy, noLookups, { requireEnforcement: true });
      assert.notEqual(result.verdict, 'pass', image);
      assert.equal(result.containers[0]?.decision, 'error', image);
    }
  });

  it('a container with an empty or missing name is named by its position', () => {
    const text = v1Service(`      containers:\n      - name: ''\n        image: gcr.io/p/a@${DIGEST}\n      - image: gcr.io/p/b@${DIGEST}`);
    assert.deepEqual(
      onlyWorkload(text).containers.map((c) => c.name),
      ['#1', '#2'],
    );
  });
});

describe('a v2 resource whose containers are not a list', () => {
  for (const [kind, text] of [
    ['Service', 'name: projects/p/locations/r/services/web\ntemplate:\n  containers: "gcr.io/p/app:1"\n'],
    ['Job', 'name: projects/p/locations/r/jobs/nightly\ntemplate:\n  template:\n    containers: {image: gcr.io/p/app:1}\n'],
  ] as const) {
    it(`is a broken ${kind} with a problem, never a skipped document`, () => {
      const set = readWorkloads('v2.yaml', text);
      assert.deepEqual(set.skipped, []);
      assert.equal(set.workloads[0]?.kind, kind);
      assert.match(set.workloads[0]?.problems.join('\n') ?? '', /containers \(line \d+\) is not a list of containers/);
    });
  }
});
