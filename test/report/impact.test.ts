import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildImpact, classifyChange, impactExitCode } from '../../src/report/impact.ts';
import type { WorkloadVerdict } from '../../src/policy/decision.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';
import type { PolicyChange } from '../../src/policy/policy-diff.ts';
import { workloadResult } from '../helpers/workload-result.ts';
import { buildReport, type Report } from '../../src/report/report.ts';

const policy = { source: 'file:p.yaml', etag: null, name: null, defaultRule: null, notes: [] };

const result = (name: string, verdict: WorkloadVerdict): WorkloadResult => workloadResult(name, verdict, 'w.yaml');

const report = (verdicts: Record<string, WorkloadVerdict>): Report =>
  buildReport(
    policy,
    Object.entries(verdicts).map(([n, v]) => result(n, v)),
    [],
    [],
  );
const weakens: PolicyChange = { field: 'admissionWhitelistPatterns', before: null, after: 'gcr.io/p/**', effect: 'weakens', why: 'w' };

describe('impact of a policy change', () => {
  it('classifies every pair of verdicts', () => {
    const table: [WorkloadVerdict, WorkloadVerdict, string][] = [
      ['pass', 'fail', 'newly-blocked'],
      ['warn', 'fail', 'newly-blocked'],
      ['fail', 'pass', 'newly-admitted'],
      ['fail', 'warn', 'newly-admitted'],
      ['pass', 'error', 'newly-undecidable'],
      ['fail', 'error', 'newly-undecidable'],
      ['error', 'pass', 'newly-decidable'],
      ['pass', 'warn', 'verdict-changed'],
      ['warn', 'pass', 'verdict-changed'],
      ['fail', 'fail', 'unchanged'],
      ['error', 'error', 'unchanged'],
    ];
    for (const [before, after, change] of table) assert.equal(classifyChange(before, after), change, `${before} -> ${after}`);
  });

  it('fails when a workload is newly blocked, and counts each change', () => {
    const impact = buildImpact(report({ a: 'pass', b: 'fail', c: 'pass' }), report({ a: 'fail', b: 'pass', c: 'pass' }), [], { failOnWeaken: false });
    assert.deepEqual(
      impact.workloads.map((w) => `${w.name} ${w.before}->${w.after} ${w.change}`),
      ['a pass->fail newly-blocked', 'b fail->pass newly-admitted', 'c pass->pass unchanged'],
    );
    assert.equal(impact.counts['newly-blocked'], 1);
    assert.equal(impact.counts['newly-admitted'], 1);
    assert.equal(impactExitCode(impact), 1);
  });

  it('passes a weakening change unless --fail-on-weaken, and is an error when anything is undecidable', () => {
    const same = report({ a: 'pass' });
    assert.equal(impactExitCode(buildImpact(same, same, [weakens], { failOnWeaken: false })), 0);
    assert.equal(impactExitCode(buildImpact(same, same, [weakens], { failOnWeaken: true })), 1);
    assert.equal(impactExitCode(buildImpact(same, report({ a: 'error' }), [], { failOnWeaken: false })), 2);
  });

  it('reports an error shared by both evaluations once', () => {
    const error = { file: 'bad.yaml', line: 3, message: 'invalid YAML' };
    const both = buildReport(policy, [], [], [error]);
    assert.deepEqual(buildImpact(both, both, [], { failOnWeaken: false }).errors, [error]);
  });

  it('refuses two evaluations of different workloads (a bug, never a silent pass)', () => {
    assert.throws(() => buildImpact(report({ a: 'pass' }), report({ b: 'pass' }), [], { failOnWeaken: false }), /same order/);
    assert.throws(() => buildImpact(report({ a: 'pass' }), report({}), [], { failOnWeaken: false }), /same workloads/);
  });
});
