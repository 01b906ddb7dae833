// Config Connector RunService and RunJob (run.cnrm.cloud.google.com/v1beta1) as workloads: the
// v2 fields under spec, the name from metadata.name, and no `policy` in binaryAuthorization.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';

const FIXTURE = readFileSync(new URL('../fixtures/manifests/kcc-run.yaml', import.meta.url), 'utf8');

function lineWith(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

function runService(binaryAuthorization: string): string {
  return [
    'apiVersion: run.cnrm.cloud.google.com/v1beta1',
    'kind: RunService',
    'metadata:',
    '  name: api',
    'spec:',
    '  location: us-central1',
    binaryAuthorization,
    '  template:',
    '    containers:',
    '      - image: gcr.io/p/api:1',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

describe('Config Connector RunService and RunJob', () => {
  it('reads the fixture: a RunService with two containers and a RunJob under breakglass', () => {
    const set = readWorkloads('kcc-run.yaml', FIXTURE);
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.skipped, []);
    const [service, job] = set.workloads;
    assert.equal(service?.kind, 'Service');
    assert.equal(service?.name, 'runservice-multicontainer');
    assert.deepEqual(service?.enforcement, { mode: 'default', breakglass: null });
    assert.deepEqual(
      service?.containers.map((c) => [c.name, c.image, c.line]),
      [
        [
          'hello-1',
          'us-docker.pkg.dev/my-project/apps/hello@sha256:1111111111111111111111111111111111111111111111111111111111111111',
          lineWith(FIXTURE, 'apps/hello@'),
        ],
        ['hello-2', 'us-docker.pkg.dev/cloudrun/container/hello:latest', lineWith(FIXTURE, 'container/hello:latest')],
      ],
    );
    assert.deepEqual(service?.problems, []);
    assert.equal(service?.enforcementPath, 'spec.binaryAuthorization');
    assert.equal(job?.kind, 'Job');
    assert.equal(job?.name, 'runjob-nightly');
    assert.deepEqual(job?.enforcement, { mode: 'default', breakglass: 'INC-1234 restore the nightly export' });
    assert.deepEqual(
      job?.containers.map((c) => c.image),
      ['europe-docker.pkg.dev/my-project/jobs/export@sha256:2222222222222222222222222222222222222222222222222222222222222222'],
    );
    assert.equal(job?.line, lineWith(FIXTURE, 'kind: RunJob') - 1);
  });

  it('is not enforced without spec.binaryAuthorization, and a top-level binaryAuthorization does not count', () => {
    const set = readWorkloads('s.yaml', `binaryAuthorization:\n  useDefault: true\n${runService('')}`);
    const [service] = set.workloads;
    assert.deepEqual(service?.enforcement, { mode: 'not-enforced', why: 'no spec.binaryAuthorization field' });
  });

  it('reports a policy field as an error (the CRD has none) and never treats it as a platform policy', () => {
    const set = readWorkloads('s.yaml', runService('  binaryAuthorization:\n    policy: projects/p/platforms/cloudRun/policies/strict'));
    const [service] = set.workloads;
    assert.equal(service?.enforcement.mode, 'not-enforced');
    assert.equal(service?.invalidEnforcement, true);
    assert.match(service?.problems.join('\n') ?? '', /spec\.binaryAuthorization\.policy is not a field of Config Connector's binaryAuthorization/);
  });

  it('names spec.binaryAuthorization in its problems', () => {
    const set = readWorkloads('s.yaml', runService('  binaryAuthorization:\n    useDefault: "yes"\n    breakglassJustification: 7'));
    const problems = set.workloads[0]?.problems ?? [];
    assert.ok(problems.includes('spec.binaryAuthorization.useDefault must be true or false'), problems.join('\n'));
    assert.ok(problems.includes('spec.binaryAuthorization.breakglassJustification must be a string'), problems.join('\n'));
  });

  it('reads a RunJob only at spec.template.template.containers', () => {
    const text = [
      'apiVersion: run.cnrm.cloud.google.com/v1beta1',
      'kind: RunJob',
      'metadata: {name: j}',
      'spec:',
      '  binaryAuthorization: {useDefault: true}',
      '  template:',
      '    containers:',
      '      - image: gcr.io/p/wrong-place:1',
    ].join('\n');
    const [job] = readWorkloads('j.yaml', text).workloads;
    assert.deepEqual(job?.containers, []);
    assert.match(job?.problems.join('\n') ?? '', /no containers at spec\.template\.template\.containers/);
  });

  it('skips other Config Connector run resources, naming them', () => {
    const set = readWorkloads('x.yaml', 'apiVersion: run.cnrm.cloud.google.com/v1beta1\nkind: RunWorkerPool\nmetadata: {name: w}\nspec: {}\n');
    assert.deepEqual(set.workloads, []);
    assert.match(set.skipped[0]?.why ?? '', /RunService and RunJob only/);
  });
});
