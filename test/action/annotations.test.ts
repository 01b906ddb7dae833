// Annotations: one per workload that does not pass, at its line, naming its failing containers;
// never one per container, so a large failing run stays readable in GitHub's ten-per-step view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotate, MAX_ERROR_ANNOTATIONS } from '../../src/action/annotations.ts';
import type { AnnotationProperties } from '../../src/action/run.ts';
import type { ContainerResult } from '../../src/policy/decision.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';
import type { Report, ReportError } from '../../src/report/report.ts';

interface Annotation {
  readonly level: 'error' | 'warning';
  readonly message: string;
  readonly properties: AnnotationProperties | undefined;
}

function fakeIO(): { io: Parameters<typeof annotate>[0]; annotations: Annotation[] } {
  const annotations: Annotation[] = [];
  return {
    annotations,
    io: {
      error: (message, properties) => annotations.push({ level: 'error', message, properties }),
      warning: (message, properties) => annotations.push({ level: 'warning', message, properties }),
    },
  };
}

function container(i: number, decision: 'allow' | 'deny' | 'dryrun-deny' | 'error'): ContainerResult {
  const base = { name: `c${i}`, image: `us-docker.pkg.dev/p/r/c${i}:v1`, line: 10 + i, digest: null, detail: `detail ${i}`, attestors: [], fixes: [] };
  if (decision === 'allow') return { ...base, decision, reason: 'exempt' };
  if (decision === 'error') return { ...base, decision, reason: 'unresolved-tag' };
  return { ...base, decision, reason: 'always-deny' };
}

function workload(
  i: number,
  verdict: WorkloadResult['verdict'],
  containers: readonly ContainerResult[],
  overrides: Partial<WorkloadResult> = {},
): WorkloadResult {
  return {
    kind: 'Service',
    name: `svc-${i}`,
    file: `deploy/svc-${i}.yaml`,
    line: 2,
    enforcement: 'enforced',
    verdict,
    summary: `summary ${i}`,
    containers,
    notes: [],
    problems: [],
    fixes: [],
    ...overrides,
  };
}

function report(workloads: readonly WorkloadResult[], errors: readonly ReportError[] = []): Report {
  return { verdict: 'fail', policy: { source: 'file:p.yaml', etag: null, name: null, defaultRule: 'ALWAYS_DENY', notes: [] }, workloads, skipped: [], errors };
}

test('300 failing workloads of 30 denied containers give 300 errors, one per workload at its line', () => {
  const workloads = Array.from({ length: 300 }, (_, i) =>
    workload(
      i,
      'fail',
      Array.from({ length: 30 }, (_, j) => container(j, 'deny')),
    ),
  );
  const { io, annotations } = fakeIO();
  annotate(io, report(workloads));
  assert.equal(annotations.length, 300);
  assert.ok(annotations.every((a) => a.level === 'error'));
  assert.deepEqual(
    annotations.map((a) => a.properties?.file),
    workloads.map((w) => w.file),
  );
  assert.ok(
    annotations.every((a) => a.properties?.startLine === 2),
    'at the workload line',
  );
  const first = annotations[0]?.message ?? '';
  assert.match(
    first,
    /^summary 0; containers: c0 deny \(always-deny\), c1 deny \(always-deny\), c2 deny \(always-deny\), c3 deny \(always-deny\), c4 deny \(always-deny\), 25 more \(details in the job summary\)$/,
  );
  assert.ok(annotations.every((a) => a.message.length <= 400));
});

test('passing workloads are not annotated; warnings warn; allowed containers are not named', () => {
  const { io, annotations } = fakeIO();
  annotate(
    io,
    report([
      workload(1, 'pass', [container(1, 'allow')]),
      workload(2, 'warn', [container(1, 'allow'), container(2, 'dryrun-deny')]),
      workload(3, 'warn', [container(3, 'deny')], { enforcement: 'breakglass' }),
      workload(4, 'error', [container(4, 'error')], { problems: ['an empty breakglass'] }),
      workload(5, 'fail', [container(5, 'allow')], { enforcement: 'not-enforced' }),
    ]),
  );
  assert.deepEqual(
    annotations.map((a) => [a.level, a.properties?.title, a.message]),
    [
      ['warning', 'Service svc-2', 'summary 2; containers: c2 dryrun-deny (always-deny) (details in the job summary)'],
      ['warning', 'Service svc-3', 'summary 3; containers: c3 deny (always-deny) (details in the job summary)'],
      ['error', 'Service svc-4', 'summary 4; containers: c4 error (unresolved-tag); an empty breakglass (details in the job summary)'],
      ['error', 'Service svc-5', 'summary 5 (details in the job summary)'],
    ],
  );
});

test('run errors are annotated up to a bound, then counted once', () => {
  const errors = Array.from({ length: MAX_ERROR_ANNOTATIONS + 20 }, (_, i) => ({ file: `broken-${i}.yaml`, line: 3, message: `invalid YAML \u001b[31m${i}` }));
  const { io, annotations } = fakeIO();
  annotate(io, report([], errors));
  assert.equal(annotations.length, MAX_ERROR_ANNOTATIONS + 1);
  assert.deepEqual(annotations[0], {
    level: 'error',
    message: 'invalid YAML \ufffd[31m0',
    properties: { file: 'broken-0.yaml', startLine: 3, title: 'binauthz-gate' },
  });
  assert.equal(annotations.at(-1)?.message, '20 more error(s): see the job summary');
});

test("a workload's title is bounded to 200 characters, however long its name", () => {
  const { io, annotations } = fakeIO();
  annotate(io, report([workload(1, 'fail', [container(1, 'deny')], { name: 'n'.repeat(1_000) })]));
  const title = annotations[0]?.properties?.title ?? '';
  assert.equal(title.length, 200);
  assert.ok(title.startsWith('Service nnn') && title.endsWith('n…'));
});
