// Every shared conformance case, through the built CLI as a subprocess: the JSON report must
// agree with what the case says Cloud Run's enforcer decides.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCheckJson, type CheckReport } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const CASES = new URL('./fixtures/conformance/', import.meta.url);

interface ExpectedContainer {
  image: string;
  [field: string]: unknown;
}
interface ExpectedWorkload {
  kind: string;
  name: string;
  containers?: ExpectedContainer[];
  [field: string]: unknown;
}
interface Case {
  id: string;
  title: string;
  policy_format: 'yaml' | 'json';
  policy: unknown;
  attestors?: unknown[];
  attestations?: unknown[];
  manifests: Record<string, string>;
  expect: { exit: number; verdict: string; workloads?: ExpectedWorkload[]; errors_mention?: string };
}

function loadCases(): Case[] {
  return readdirSync(CASES)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => parse(readFileSync(new URL(name, CASES), 'utf8')) as Case);
}

/** Writes the case's files into a fresh folder and returns the CLI arguments for it. */
function materialize(testCase: Case): string[] {
  const dir = tempDir(after, `conformance-${testCase.id}-`);
  const policyFile = join(dir, `policy.${testCase.policy_format}`);
  writeFileSync(policyFile, testCase.policy_format === 'json' ? JSON.stringify(testCase.policy, null, 2) : stringify(testCase.policy));
  const args = ['--policy-file', policyFile];
  if (testCase.attestors) {
    writeFileSync(join(dir, 'attestors.json'), JSON.stringify(testCase.attestors, null, 2));
    args.push('--attestors', join(dir, 'attestors.json'));
  }
  if (testCase.attestations) {
    writeFileSync(join(dir, 'attestations.json'), JSON.stringify(testCase.attestations, null, 2));
    args.push('--attestations', join(dir, 'attestations.json'));
  }
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  for (const [name, content] of Object.entries(testCase.manifests)) writeFileSync(join(manifests, name), content);
  return [...args, manifests];
}

function assertWorkload(report: CheckReport, expected: ExpectedWorkload): void {
  const actual = report.workloads.find((w) => w.kind === expected.kind && w.name === expected.name);
  assert.ok(actual, `workload ${expected.kind} ${expected.name} is missing from the report`);
  for (const [field, value] of Object.entries(expected)) {
    if (field === 'containers') continue;
    assert.equal((actual as Record<string, unknown>)[field], value, `${expected.name}.${field}`);
  }
  for (const container of expected.containers ?? []) {
    const found: CheckReport['workloads'][number]['containers'][number] | undefined = actual.containers.find((c) => c.image === container.image);
    assert.ok(found, `container ${container.image} is missing from ${expected.name}`);
    for (const [field, value] of Object.entries(container)) {
      assert.equal((found as Record<string, unknown>)[field], value, `${expected.name} ${container.image} ${field} (detail: ${found.detail})`);
    }
  }
}

describe('shared conformance cases', { concurrency: 4 }, () => {
  const cases = loadCases();
  it('has all 44 cases', () => assert.equal(cases.length, 44));
  for (const testCase of cases) {
    it(`${testCase.id}: ${testCase.title}`, async () => {
      const { code, report, stderr } = await runCheckJson(materialize(testCase));
      assert.equal(stderr, '', 'nothing on standard error');
      assert.equal(report.verdict, testCase.expect.verdict, JSON.stringify(report.errors));
      assert.equal(code, testCase.expect.exit);
      for (const workload of testCase.expect.workloads ?? []) assertWorkload(report, workload);
      // Enforcement first (README): a workload Cloud Run will not check fails, with the fix that adds the annotation.
      for (const workload of report.workloads.filter((w) => w.enforcement === 'not-enforced')) {
        assert.equal(workload.verdict, 'fail');
        assert.deepEqual((workload as { fixes?: unknown }).fixes, [
          { kind: 'set-annotation', key: 'run.googleapis.com/binary-authorization', value: 'default' },
        ]);
      }
      const mention = testCase.expect.errors_mention;
      if (mention !== undefined) {
        assert.ok(
          report.errors.some((e) => e.message.includes(mention) || (e.file ?? '').includes(mention)),
          `an error mentions ${mention}: ${JSON.stringify(report.errors)}`,
        );
      }
    });
  }
});
