import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';

const DIGEST = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';

function service(annotations: string, templateAnnotations = '', containers = `      - name: app\n        image: gcr.io/p/app@${DIGEST}\n`): string {
  return [
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    annotations ? `  annotations:\n${annotations}` : '',
    'spec:',
    '  template:',
    templateAnnotations ? `    metadata:\n      annotations:\n${templateAnnotations}` : '',
    '    spec:',
    '      containers:',
    containers,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** 1-based line of the first line of `text` that contains `needle`. */
function lineWith(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('readWorkloads', () => {
  it('reads a v1 Service with sidecars and init containers, keeping image lines', () => {
    const text = service(
      '    run.googleapis.com/binary-authorization: default\n',
      '',
      `      - name: app\n        image: gcr.io/p/app@${DIGEST}\n      - image: gcr.io/p/sidecar:1\n      initContainers:\n      - name: init\n        image: gcr.io/p/init:2\n`,
    );
    const set = readWorkloads('web.yaml', text);
    assert.deepEqual(set.problems, []);
    const [web] = set.workloads;
    assert.equal(web?.kind, 'Service');
    assert.equal(web?.api, 'v1');
    assert.deepEqual(web?.enforcement, { mode: 'default', breakglass: null });
    assert.deepEqual(
      web?.containers.map((c) => [c.name, c.image, c.line]),
      [
        ['init', 'gcr.io/p/init:2', lineWith(text, 'init:2')],
        ['app', `gcr.io/p/app@${DIGEST}`, lineWith(text, 'app@')],
        ['#2', 'gcr.io/p/sidecar:1', lineWith(text, 'sidecar:1')],
      ],
    );
  });

  it('reads a v1 Job, whose containers sit one template deeper', () => {
    const text = [
      'apiVersion: run.googleapis.com/v1',
      'kind: Job',
      'metadata:',
      '  name: nightly',
      '  annotations:',
      '    run.googleapis.com/binary-authorization: default',
      '    run.googleapis.com/binary-authorization-breakglass: "incident 7"',
      'spec:',
      '  template:',
      '    spec:',
      '      template:',
      '        spec:',
      '          containers:',
      `          - image: gcr.io/p/job@${DIGEST}`,
    ].join('\n');
    const [job] = readWorkloads('job.yaml', text).workloads;
    assert.equal(job?.kind, 'Job');
    assert.deepEqual(job?.enforcement, { mode: 'default', breakglass: 'incident 7' });
    assert.equal(job?.containers[0]?.line, 14);
    assert.ok(
      job?.notes.some((n) => n.includes('jobs replace')),
      'warns that a breakglass key kept in YAML is sticky',
    );
  });

  it('says an annotation on the revision template does nothing', () => {
    const text = service('    x: y\n', '        run.googleapis.com/binary-authorization: default\n');
    const [web] = readWorkloads('web.yaml', text).workloads;
    assert.equal(web?.enforcement.mode, 'not-enforced');
    const line = lineWith(text, 'binary-authorization: default');
    assert.ok(
      web?.notes.some((n) => n.includes(`spec.template.metadata.annotations (line ${line}) does nothing there`)),
      String(web?.notes),
    );
  });

  it('treats any other policy value as a named platform policy, and nonsense as a problem', () => {
    const named = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: projects/p/platforms/cloudRun/policies/strict\n')).workloads[0];
    assert.deepEqual(named?.enforcement, { mode: 'named-policy', policy: 'projects/p/platforms/cloudRun/policies/strict', breakglass: null });
    assert.deepEqual(named?.problems, []);
    const nonsense = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: "yes please"\n')).workloads[0];
    assert.match(nonsense?.problems[0] ?? '', /neither "default" nor a Cloud Run platform policy/);
  });

  it('an empty breakglass annotation still counts as set, with a note', () => {
    const [web] = readWorkloads(
      'w.yaml',
      service('    run.googleapis.com/binary-authorization: default\n    run.googleapis.com/binary-authorization-breakglass: ""\n'),
    ).workloads;
    assert.deepEqual(web?.enforcement, { mode: 'default', breakglass: '' });
    assert.ok(web?.notes.some((n) => n.includes('is empty')));
  });

  it('a non-string annotation is a problem, not a guess', () => {
    const [web] = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: true\n')).workloads;
    assert.match(web?.problems[0] ?? '', /must be a string/);
  });

  it('a workload with no containers is a problem naming the line', () => {
    const text = service('    run.googleapis.com/binary-authorization: default\n', '', '        []\n');
    const [web] = readWorkloads('w.yaml', text).workloads;
    assert.match(web?.problems.join() ?? '', /no containers at spec\.template\.spec\.containers \(line \d+\)/);
  });

  it('reads the Cloud Run Admin API v2 shape, with binaryAuthorization', () => {
    const v2 = JSON.stringify(
      {
        name: 'projects/p/locations/us-central1/services/api',
        binaryAuthorization: { useDefault: true, breakglassJustification: 'ticket 9' },
        template: { containers: [{ image: `gcr.io/p/api@${DIGEST}` }] },
      },
      null,
      2,
    );
    const [api] = readWorkloads('api.json', v2).workloads;
    assert.equal(api?.api, 'v2');
    assert.equal(api?.name, 'api');
    assert.deepEqual(api?.enforcement, { mode: 'default', breakglass: 'ticket 9' });
    const job = readWorkloads(
      'job.json',
      JSON.stringify({
        name: 'j',
        binaryAuthorization: { policy: 'projects/p/platforms/cloudRun/policies/x' },
        template: { template: { containers: [{ image: 'a/b:1' }] } },
      }),
    );
    assert.equal(job.workloads[0]?.kind, 'Job');
    assert.equal(job.workloads[0]?.enforcement.mode, 'named-policy');
  });

  it('rejects contradictory v2 settings', () => {
    const both = readWorkloads(
      'x.json',
      JSON.stringify({
        binaryAuthorization: { useDefault: true, policy: 'projects/p/platforms/cloudRun/policies/x' },
        template: { containers: [{ image: 'a/b:1' }] },
      }),
    );
    assert.match(both.workloads[0]?.problems.join() ?? '', /oneof/);
    const breakglass = readWorkloads(
      'x.json',
      JSON.stringify({ binaryAuthorization: { useDefault: false, breakglassJustification: 'x' }, template: { containers: [{ image: 'a/b:1' }] } }),
    );
    assert.match(breakglass.workloads[0]?.problems.join() ?? '', /must be empty when useDefault is false/);
    const unknown = readWorkloads('x.json', JSON.stringify({ binaryAuthorization: { usedefault: true }, template: { containers: [{ image: 'a/b:1' }] } }));
    assert.match(unknown.workloads[0]?.problems.join() ?? '', /binaryAuthorization\.usedefault is not a field/);
  });

  it('lists every other document as skipped, with its kind', () => {
    const text =
      'apiVersion: apps/v1\nkind: Deployment\n---\napiVersion: run.googleapis.com/v1\nkind: WorkerPool\n---\nkind: Service\napiVersion: v1\n---\nfoo: bar\n---\n- a list\n';
    const set = readWorkloads('mixed.yaml', text);
    assert.equal(set.workloads.length, 0);
    assert.deepEqual(
      set.skipped.map((s) => [s.kind, s.line]),
      [
        ['apps/v1 Deployment', 1],
        ['run.googleapis.com/v1 WorkerPool', 4],
        ['v1 Service', 7],
        ['(no apiVersion or kind)', 10],
        ['a list', 12],
      ],
    );
    assert.match(set.skipped[1]?.why ?? '', /WorkerPool/);
  });

  it('reports invalid YAML with the file and line, and no workloads', () => {
    const set = readWorkloads('broken.yaml', 'kind: Service\nmetadata:\n  name: [unclosed\n');
    assert.equal(set.workloads.length, 0);
    assert.equal(set.problems[0]?.file, 'broken.yaml');
    assert.equal(typeof set.problems[0]?.line, 'number');
  });
});

describe('readWorkloads: enforcement edges as the reference documents them', () => {
  const v2 = (binaryAuthorization: unknown) =>
    readWorkloads('x.json', JSON.stringify({ name: 'svc', binaryAuthorization, template: { containers: [{ image: `gcr.io/p/app@${DIGEST}` }] } })).workloads[0];

  it('compares the annotation exactly: "default " and a block scalar "default\\n" are other values, so named policies Cloud Run rejects', () => {
    for (const value of ['"default "', '" default"', '|\n      default', 'Default']) {
      const [web] = readWorkloads('w.yaml', service(`    run.googleapis.com/binary-authorization: ${value}\n`)).workloads;
      assert.equal(web?.enforcement.mode, 'named-policy', value);
      assert.equal(web?.invalidEnforcement, true, value);
      assert.match(web?.problems.join() ?? '', /run\.googleapis\.com\/binary-authorization is neither "default" nor a Cloud Run platform policy/, value);
    }
    const [spaced] = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: "default "\n')).workloads;
    assert.match(spaced?.problems[0] ?? '', /whitespace around it/);
    assert.ok(!(spaced?.problems[0] ?? '').includes('"default "'), 'the raw value is not quoted back');
  });

  it('an empty annotation is not enforced; exactly default is', () => {
    assert.equal(readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: ""\n')).workloads[0]?.enforcement.mode, 'not-enforced');
    const exact = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: default\n')).workloads[0];
    assert.deepEqual([exact?.enforcement.mode, exact?.invalidEnforcement, exact?.problems], ['default', false, []]);
  });

  it('a platform policy path needs policies/ (the v2 proto comment without it is a doc error)', () => {
    const [web] = readWorkloads('w.yaml', service('    run.googleapis.com/binary-authorization: projects/p/platforms/cloudRun/strict\n')).workloads;
    assert.equal(web?.enforcement.mode, 'named-policy');
    assert.equal(web?.problems.length, 1);
  });

  it('v2 policy must be a platform policy path: "default" is an error naming the field', () => {
    const named = v2({ policy: 'default' });
    assert.equal(named?.enforcement.mode, 'named-policy');
    assert.match(named?.problems.join() ?? '', /binaryAuthorization\.policy is neither "default" nor a Cloud Run platform policy.*useDefault: true/);
    assert.deepEqual(v2({ policy: 'projects/p/platforms/cloudRun/policies/x' })?.problems, []);
  });

  it('v2 {} and useDefault: false are not enforced, without a problem', () => {
    for (const setting of [{}, { useDefault: false }, { policy: '' }, { useDefault: false, breakglassJustification: '' }]) {
      const workload = v2(setting);
      assert.equal(workload?.enforcement.mode, 'not-enforced', JSON.stringify(setting));
      assert.deepEqual(workload?.problems, [], JSON.stringify(setting));
    }
  });

  it('v2 useDefault together with policy is an error naming both fields', () => {
    for (const useDefault of [true, false]) {
      const workload = v2({ useDefault, policy: 'projects/p/platforms/cloudRun/policies/x' });
      assert.match(workload?.problems.join() ?? '', /binaryAuthorization\.useDefault and binaryAuthorization\.policy are one of a kind/);
      assert.equal(workload?.invalidEnforcement, true);
    }
  });

  it('a v2 binaryAuthorization that is not a mapping, and v1 annotations that are not one, are problems, not "not enforced" silently', () => {
    const text = v2('default');
    assert.equal(text?.enforcement.mode, 'not-enforced');
    assert.match(text?.problems.join() ?? '', /binaryAuthorization must be a mapping/);
    const listed = readWorkloads(
      'w.yaml',
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: w\n  annotations:\n  - run.googleapis.com/binary-authorization=default\nspec:\n  template:\n    spec:\n      containers:\n      - image: gcr.io/p/a:1\n',
    ).workloads[0];
    assert.match(listed?.problems.join() ?? '', /metadata\.annotations \(line 5\) must be a mapping/);
  });

  it('a v2 empty breakglassJustification is absent; a v1 empty breakglass is kept open as ""', () => {
    assert.deepEqual(v2({ useDefault: true, breakglassJustification: '' })?.enforcement, { mode: 'default', breakglass: null });
    const [web] = readWorkloads(
      'w.yaml',
      service('    run.googleapis.com/binary-authorization: default\n    run.googleapis.com/binary-authorization-breakglass:\n'),
    ).workloads;
    assert.deepEqual(web?.enforcement, { mode: 'default', breakglass: '' });
  });
});
