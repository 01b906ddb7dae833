// SARIF for code scanning: a valid 2.1.0 log, one result per thing to fix at its manifest line,
// nothing for passing containers, and the same bytes for the same report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkIn } from '../helpers/check-in.ts';
import { tempDir } from '../helpers/temp.ts';
import { artifactLocation, formatSarif } from '../../src/report/format-sarif.ts';
import type { Report } from '../../src/report/report.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/report/', import.meta.url));
const TOOL = { name: 'binauthz-gate', version: '0.1.0', informationUri: 'https://github.com/example/binauthz-gate' };

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
    results: SarifResult[];
  }[];
}

/** The log as code scanning receives it: through JSON. */
function sarif(report: Report): SarifLog {
  return JSON.parse(JSON.stringify(formatSarif(report, TOOL))) as SarifLog;
}

function onlyRun(log: SarifLog): SarifLog['runs'][number] {
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  assert.ok(run);
  return run;
}

/** What the SARIF schema and code scanning require of every log. */
function assertValid(log: SarifLog): void {
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.equal(log.version, '2.1.0');
  const run = onlyRun(log);
  const driver = run.tool.driver;
  assert.deepEqual([driver.name, driver.version, driver.informationUri], [TOOL.name, TOOL.version, TOOL.informationUri]);
  const ids = driver.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const rule of driver.rules) {
    assert.match(rule.id, /^binauthz\/[a-z-]+$/);
    assert.ok(rule.name && rule.shortDescription.text && rule.fullDescription.text, `${rule.id} is described`);
    assert.match(rule.helpUri, /^https:\/\/github\.com\/example\/binauthz-gate#[a-z-]+$/);
  }
  const fingerprints = new Set<string>();
  for (const result of run.results) {
    assert.ok(ids.includes(result.ruleId), `${result.ruleId} is a rule of the driver`);
    assert.equal(driver.rules[result.ruleIndex]?.id, result.ruleId, 'ruleIndex points at the rule');
    assert.ok(['error', 'warning'].includes(result.level));
    assert.ok(result.message.text.length > 0);
    assert.equal(result.locations.length, 1);
    const location = result.locations[0]?.physicalLocation;
    assert.ok(location);
    assert.equal(location.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.ok(!/^\/|\\|^[a-z]+:/i.test(location.artifactLocation.uri), `${location.artifactLocation.uri} is relative, with forward slashes`);
    assert.ok(Number.isInteger(location.region.startLine) && location.region.startLine >= 1);
    const fingerprint = result.partialFingerprints['binauthzGate/v1'] ?? '';
    assert.ok(!fingerprints.has(fingerprint), 'each result has its own fingerprint');
    fingerprints.add(fingerprint);
  }
}

test('the fixture report is a valid SARIF log with one result per thing to fix', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const log = sarif(report);
  assertValid(log);
  const results = onlyRun(log).results;
  const summary = results.map((r) => [
    r.ruleId,
    r.level,
    r.locations[0]?.physicalLocation.artifactLocation.uri,
    r.locations[0]?.physicalLocation.region.startLine,
  ]);
  assert.deepEqual(summary, [
    ['binauthz/not-enforced', 'error', 'manifests/export.job.yaml', 2],
    ['binauthz/breakglass', 'warning', 'manifests/hotfix.service.yaml', 2],
    ['binauthz/missing-attestation', 'warning', 'manifests/hotfix.service.yaml', 13],
    ['binauthz/unresolved-tag', 'error', 'manifests/search.service.yaml', 13],
    ['binauthz/missing-attestation', 'error', 'manifests/web.service.yaml', 13],
    ['binauthz/invalid-input', 'error', 'manifests/broken.yaml', 6],
  ]);
  assert.ok(!results.some((r) => r.message.text.includes('hello')), 'passing containers produce no result');
  assert.match(
    results[4]?.message.text ?? '',
    /^Service web, container app \(us-docker\.pkg\.dev\/p1\/apps\/web@sha256:[0-9a-f]{64}\): deny \(missing-attestation\): /,
  );
});

test('result counts match the report', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const results = onlyRun(sarif(report)).results;
  const containers = report.workloads.flatMap((w) => w.containers).filter((c) => c.decision !== 'allow').length;
  const notEnforced = report.workloads.filter((w) => w.enforcement === 'not-enforced' && w.verdict === 'fail').length;
  const breakglass = report.workloads.filter((w) => w.enforcement === 'breakglass' && w.verdict === 'warn').length;
  const fileErrors = report.errors.filter((e) => e.file !== null).length;
  assert.equal(results.length, containers + notEnforced + breakglass + fileErrors);
});

test('dry run denials are warnings; named policies and images without an image are errors', async (t) => {
  const dir = tempDir(t, 'format-sarif-');
  writeFileSync(join(dir, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: DRYRUN_AUDIT_LOG_ONLY\n');
  mkdirSync(join(dir, 'deploy dir'));
  const service = (name: string, annotation: string, container: string): string =>
    `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    run.googleapis.com/binary-authorization: ${annotation}\nspec:\n  template:\n    spec:\n      containers:\n      - ${container}\n`;
  const digest = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
  writeFileSync(join(dir, 'deploy dir', 'a.yaml'), service('dry', 'default', `image: us-docker.pkg.dev/p/r/a@${digest}`));
  writeFileSync(
    join(dir, 'deploy dir', 'b.yaml'),
    service('named', 'projects/p/platforms/cloudRun/policies/strict', `image: us-docker.pkg.dev/p/r/b@${digest}`),
  );
  writeFileSync(join(dir, 'deploy dir', 'c.yaml'), service('bad', 'default', 'name: app'));
  const log = sarif(await checkIn(dir, ['deploy dir']));
  assertValid(log);
  assert.deepEqual(
    onlyRun(log).results.map((r) => [
      r.ruleId,
      r.level,
      r.locations[0]?.physicalLocation.artifactLocation.uri,
      r.locations[0]?.physicalLocation.region.startLine,
    ]),
    [
      ['binauthz/always-deny', 'warning', 'deploy%20dir/a.yaml', 11],
      ['binauthz/named-policy', 'error', 'deploy%20dir/b.yaml', 11],
      ['binauthz/invalid-image', 'error', 'deploy%20dir/c.yaml', 11],
    ],
  );
});

test('errors without a file are notifications of the run; errors without a line are at line 1', () => {
  const report: Report = {
    verdict: 'error',
    policy: { source: 'projects/p/policy', etag: null, name: null, defaultRule: null, notes: [] },
    workloads: [],
    skipped: [],
    errors: [
      { file: null, line: null, message: 'policy: HTTP 403: missing roles/binaryauthorization.policyViewer' },
      { file: 'deploy/huge.yaml', line: null, message: 'the file is larger than 4 MiB' },
    ],
  };
  const log = sarif(report);
  assertValid(log);
  const run = onlyRun(log);
  assert.deepEqual(run.invocations, [
    {
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: 'policy: HTTP 403: missing roles/binaryauthorization.policyViewer' } }],
    },
  ]);
  assert.equal(run.results.length, 1);
  assert.equal(run.results[0]?.locations[0]?.physicalLocation.region.startLine, 1);
});

test('the same report gives the same bytes', async () => {
  const first = JSON.stringify(formatSarif(await checkIn(FIXTURES, ['manifests']), TOOL));
  const second = JSON.stringify(formatSarif(await checkIn(FIXTURES, ['manifests']), TOOL));
  assert.equal(first, second);
});

test('artifact locations are URI references relative to the checkout', () => {
  assert.deepEqual(artifactLocation('deploy\\web service.yaml'), { uri: 'deploy/web%20service.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('./web.yaml'), { uri: 'web.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('/abs/web.yaml'), { uri: 'file:///abs/web.yaml' });
});

test('absolute paths inside the repository root are relative to it; outside it they stay absolute', () => {
  assert.deepEqual(artifactLocation('/work/repo/deploy/web.yaml', '/work/repo'), { uri: 'deploy/web.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('/work/repo/../repo/deploy/web.yaml', '/work/repo/'), { uri: 'deploy/web.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('deploy/web.yaml', '/work/repo'), { uri: 'deploy/web.yaml', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(artifactLocation('/elsewhere/web.yaml', '/work/repo'), { uri: 'file:///elsewhere/web.yaml' });
  assert.deepEqual(artifactLocation('C:\\repo\\deploy\\web.yaml', 'C:\\repo'), { uri: 'deploy/web.yaml', uriBaseId: '%SRCROOT%' });
  const report: Report = {
    verdict: 'error',
    policy: { source: 'p', etag: null, defaultRule: null, notes: [] },
    workloads: [],
    skipped: [],
    errors: [{ file: '/work/repo/deploy/bad.yaml', line: 3, message: 'bad' }],
  } as unknown as Report;
  const log = JSON.parse(JSON.stringify(formatSarif(report, TOOL, { root: '/work/repo' }))) as SarifLog;
  assert.deepEqual(
    onlyRun(log).results.map((r) => r.locations[0]?.physicalLocation.artifactLocation),
    [{ uri: 'deploy/bad.yaml', uriBaseId: '%SRCROOT%' }],
  );
});

test('control characters in manifest text never reach the message', () => {
  const report: Report = {
    verdict: 'error',
    policy: { source: 'file:policy.yaml', etag: null, name: null, defaultRule: 'ALWAYS_DENY (ENFORCED_BLOCK_AND_AUDIT_LOG)', notes: [] },
    workloads: [
      {
        kind: 'Service',
        name: 'web\u001b[2J',
        file: 'web.yaml',
        line: 4,
        enforcement: 'enforced',
        verdict: 'error',
        summary: 'could not be decided',
        containers: [{ name: 'app', image: 'x', line: 0, digest: null, decision: 'error', reason: 'invalid-image', detail: 'bad', attestors: [], fixes: [] }],
        notes: [],
        problems: [],
        fixes: [],
      },
    ],
    skipped: [],
    errors: [],
  };
  const result = onlyRun(sarif(report)).results[0];
  assert.ok(result && !result.message.text.includes('\u001b'));
  assert.equal(result.locations[0]?.physicalLocation.region.startLine, 1, 'a line 0 becomes 1');
});
