// The terminal report: one line per passing workload by default, reasons for the others only;
// --verbose prints every container of every workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCheck } from '../../src/run/check.ts';
import { formatText } from '../../src/report/format-text.ts';
import type { Report } from '../../src/report/report.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/report/', import.meta.url));

function check(): Promise<Report> {
  return runCheck(
    {
      policy: { from: 'file', path: 'policy.yaml' },
      attestations: { from: 'none' },
      paths: ['manifests'],
      files: { workingFolder: FIXTURES, paths: 'named' },
      allowEmpty: true,
      requireEnforcement: true,
      maxFileBytes: 4 << 20,
    },
    null,
  );
}

test('compact: a passing workload is one line; the others show each container not allowed, with its reason', async () => {
  const report = await check();
  const passing = report.workloads.filter((w) => w.verdict === 'pass' && w.problems.length === 0);
  const others = report.workloads.filter((w) => !passing.includes(w));
  assert.ok(passing.length > 0 && others.length > 0, 'the fixtures hold both');
  const text = formatText(report);
  const lines = text.split('\n');
  for (const workload of report.workloads) {
    const head = lines.findIndex((line) => line.includes(` ${workload.kind} ${workload.name}  ${workload.verdict.toUpperCase()}  `));
    assert.ok(head >= 0, `${workload.name} has its line`);
    const detail = lines.slice(head + 1).findIndex((line) => !line.startsWith('   '));
    const body = lines.slice(head + 1, head + 1 + detail);
    if (passing.includes(workload)) {
      assert.deepEqual(body, [], `${workload.name} passes: one line`);
      continue;
    }
    for (const container of workload.containers) {
      const shown = body.some((line) => line.includes(`${container.name}: ${container.image}`));
      assert.equal(shown, container.decision !== 'allow', `${workload.name}/${container.name} (${container.decision})`);
    }
    for (const container of workload.containers.filter((c) => c.decision !== 'allow')) {
      assert.ok(
        body.some((line) => line.includes(`${container.decision} (${container.reason})`)),
        `${container.name}'s reason`,
      );
    }
  }
  assert.match(lines.at(-2) ?? '', /^Result: /);
});

test('verbose: every container of every workload, passing ones included', async () => {
  const report = await check();
  const compact = formatText(report);
  const verbose = formatText(report, { verbose: true });
  assert.ok(verbose.split('\n').length > compact.split('\n').length);
  for (const workload of report.workloads) {
    assert.ok(verbose.includes(workload.summary), `${workload.name}'s summary`);
    for (const container of workload.containers) assert.ok(verbose.includes(`${container.name}: ${container.image}`), `${workload.name}/${container.name}`);
  }
});
