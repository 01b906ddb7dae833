// The GitLab Code Quality report: every issue has GitLab's documented fields, one issue per thing
// to fix at its manifest line, paths relative to the repository, fingerprints that name what the
// issue is about (the same across runs and checkouts, never the line), and `[]` when nothing fails.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck } from '../../src/run/check.ts';
import { formatGitlab, repositoryPath, UNLOCATED_PATH, type CodeQualityIssue } from '../../src/report/format-gitlab.ts';
import type { Report } from '../../src/report/report.ts';
import { runCli } from '../helpers/run-cli.ts';
import { checkIn as checkInFolder } from '../helpers/check-in.ts';
import { tempDir } from '../helpers/temp.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/report/', import.meta.url));
const SEVERITIES = ['info', 'minor', 'major', 'critical', 'blocker'];

/** Runs the real check from inside `dir` (an empty selection is an error). */
const checkIn = (dir: string, paths: readonly string[]): Promise<Report> => checkInFolder(dir, paths, { allowEmpty: false });

/** The report as GitLab receives it: through JSON. */
function gitlab(report: Report, root = FIXTURES): unknown {
  return JSON.parse(JSON.stringify(formatGitlab(report, { root })));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * GitLab's documented fields for a Code Quality issue (docs.gitlab.com/ci/testing/code_quality,
 * "Code Quality report format"): description, check_name, fingerprint (unique in the report),
 * severity (one of five), location.path (relative to the repository), location.lines.begin.
 */
function assertValidReport(value: unknown): CodeQualityIssue[] {
  assert.ok(Array.isArray(value), 'the report is a JSON array');
  const fingerprints = new Set<string>();
  for (const [index, issue] of value.entries()) {
    const at = `issue ${index}`;
    assert.ok(isObject(issue), `${at} is an object`);
    assert.equal(typeof issue.description, 'string', `${at}: description is a string`);
    assert.ok((issue.description as string).length > 0, `${at}: description is not empty`);
    assert.equal(typeof issue.check_name, 'string', `${at}: check_name is a string`);
    assert.match(issue.check_name as string, /^binauthz\/[a-z-]+$/, `${at}: check_name`);
    assert.equal(typeof issue.fingerprint, 'string', `${at}: fingerprint is a string`);
    assert.match(issue.fingerprint as string, /^[0-9a-f]{32}$/, `${at}: fingerprint`);
    assert.ok(!fingerprints.has(issue.fingerprint as string), `${at}: fingerprint is unique`);
    fingerprints.add(issue.fingerprint as string);
    assert.ok(SEVERITIES.includes(issue.severity as string), `${at}: severity ${String(issue.severity)}`);
    assert.ok(isObject(issue.location), `${at}: location is an object`);
    const { path, lines } = issue.location;
    assert.equal(typeof path, 'string', `${at}: location.path is a string`);
    assert.ok((path as string).length > 0, `${at}: location.path is not empty`);
    assert.ok(!/^\/|^[A-Za-z]:|\\|^\.\//.test(path as string), `${at}: location.path ${String(path)} is relative, with forward slashes`);
    assert.ok(!(path as string).split('/').includes('..'), `${at}: location.path has no ..`);
    assert.ok(isObject(lines), `${at}: location.lines is an object`);
    assert.ok(Number.isInteger(lines.begin) && (lines.begin as number) >= 1, `${at}: location.lines.begin ${String(lines.begin)} is an integer >= 1`);
  }
  return value as CodeQualityIssue[];
}

const summary = (issues: readonly CodeQualityIssue[]) => issues.map((i) => [i.check_name, i.severity, i.location.path, i.location.lines.begin]);

const EXPECTED = [
  ['binauthz/not-enforced', 'critical', 'manifests/export.job.yaml', 2],
  ['binauthz/breakglass', 'minor', 'manifests/hotfix.service.yaml', 2],
  ['binauthz/missing-attestation', 'minor', 'manifests/hotfix.service.yaml', 13],
  ['binauthz/unresolved-tag', 'major', 'manifests/search.service.yaml', 13],
  ['binauthz/missing-attestation', 'critical', 'manifests/web.service.yaml', 13],
  ['binauthz/invalid-input', 'major', 'manifests/broken.yaml', 6],
];

function emptyReport(overrides: Partial<Report>): Report {
  return {
    verdict: 'pass',
    policy: { source: 'file:policy.yaml', etag: null, name: null, defaultRule: 'ALWAYS_ALLOW (ENFORCED_BLOCK_AND_AUDIT_LOG)', notes: [] },
    workloads: [],
    skipped: [],
    errors: [],
    ...overrides,
  };
}

describe('GitLab Code Quality report', () => {
  it('the fixture report validates, with one issue per thing to fix at its line', async () => {
    const issues = assertValidReport(gitlab(await checkIn(FIXTURES, ['manifests'])));
    assert.deepEqual(summary(issues), EXPECTED);
    assert.ok(!issues.some((i) => i.description.includes('hello')), 'passing workloads produce no issue');
    assert.match(
      issues[4]?.description ?? '',
      /^Service web, container app \(us-docker\.pkg\.dev\/p1\/apps\/web@sha256:[0-9a-f]{64}\): deny \(missing-attestation\): /,
    );
    assert.match(issues[5]?.description ?? '', /^invalid YAML at line \d+, column \d+: /);
  });

  it('two runs give the same fingerprints (and the same bytes)', async () => {
    const first = formatGitlab(await checkIn(FIXTURES, ['manifests']), { root: FIXTURES });
    const second = formatGitlab(await checkIn(FIXTURES, ['manifests']), { root: FIXTURES });
    assert.deepEqual(
      second.map((i) => i.fingerprint),
      first.map((i) => i.fingerprint),
    );
    assert.equal(JSON.stringify(second), JSON.stringify(first));
  });

  it('absolute paths are made relative to the root, and a checkout elsewhere gives the same issues', async (t) => {
    const elsewhere = tempDir(t, 'format-gitlab-');
    cpSync(FIXTURES, elsewhere, { recursive: true });
    const absolute = await runCheck(
      {
        policy: { from: 'file', path: join(elsewhere, 'policy.yaml') },
        attestations: { from: 'none' },
        paths: [join(elsewhere, 'manifests')],
        files: { workingFolder: FIXTURES, paths: 'named' },
        allowEmpty: false,
        requireEnforcement: true,
        maxFileBytes: 4 << 20,
      },
      null,
    );
    assert.ok(
      absolute.workloads.every((w) => w.file.startsWith(elsewhere)),
      'the report holds absolute paths',
    );
    const fromAbsolute = assertValidReport(gitlab(absolute, elsewhere));
    assert.deepEqual(summary(fromAbsolute), EXPECTED);
    const fromRelative = formatGitlab(await checkIn(FIXTURES, ['manifests']), { root: FIXTURES });
    assert.deepEqual(
      fromAbsolute.map((i) => i.fingerprint),
      fromRelative.map((i) => i.fingerprint),
    );
  });

  it('fingerprints do not move with lines, and change with what the issue is about', async () => {
    const report = await checkIn(FIXTURES, ['manifests']);
    const moved: Report = {
      ...report,
      workloads: report.workloads.map((w) => ({ ...w, line: w.line + 7, containers: w.containers.map((c) => ({ ...c, line: c.line + 7 })) })),
      errors: report.errors.map((e) => ({ ...e, line: e.line === null ? null : e.line + 7, message: e.message.replace(/\d+/g, (n) => String(Number(n) + 7)) })),
    };
    const before = formatGitlab(report, { root: FIXTURES });
    const after = formatGitlab(moved, { root: FIXTURES });
    assert.deepEqual(
      after.map((i) => i.location.lines.begin),
      before.map((i) => i.location.lines.begin + 7),
    );
    assert.deepEqual(
      after.map((i) => i.fingerprint),
      before.map((i) => i.fingerprint),
    );

    const retagged: Report = {
      ...report,
      workloads: report.workloads.map((w) => ({ ...w, containers: w.containers.map((c) => ({ ...c, image: `${c.image}x` })) })),
    };
    const changed = formatGitlab(retagged, { root: FIXTURES });
    const containerIssues = (issues: readonly CodeQualityIssue[]) =>
      issues.filter((i) => !['binauthz/not-enforced', 'binauthz/breakglass', 'binauthz/invalid-input'].includes(i.check_name));
    for (const [index, issue] of containerIssues(changed).entries()) {
      assert.notEqual(issue.fingerprint, containerIssues(before)[index]?.fingerprint, 'a different image is a different issue');
    }
    const renamed = formatGitlab({ ...report, workloads: report.workloads.map((w) => ({ ...w, name: `${w.name}-2` })) }, { root: FIXTURES });
    assert.equal(
      new Set([...renamed, ...before].map((i) => i.fingerprint)).size,
      renamed.length + before.length - 1,
      'only the invalid-input issue keeps its fingerprint',
    );
  });

  it('a report with nothing failing is []', async () => {
    const passing = await checkIn(FIXTURES, ['manifests/hello.service.yaml']);
    assert.equal(passing.verdict, 'pass');
    assert.ok(passing.policy.notes.length > 0, 'policy notes are not issues');
    assert.deepEqual(gitlab(passing), []);
    assert.deepEqual(gitlab(emptyReport({})), []);
  });

  it('an error with no file, or a file outside the repository, is shown at the job configuration, line 1', () => {
    const report = emptyReport({
      verdict: 'error',
      errors: [
        { file: null, line: null, message: 'policy: HTTP 403: missing roles/binaryauthorization.policyViewer' },
        { file: '/elsewhere/deploy/web.yaml', line: 3, message: 'YAML: unexpected end of the stream' },
        { file: '../sibling/web.yaml', line: null, message: 'the file is larger than 4 MiB' },
        { file: 'deploy/huge.yaml', line: null, message: 'the file is larger than 4 MiB' },
      ],
    });
    const issues = assertValidReport(gitlab(report, '/repo'));
    assert.deepEqual(summary(issues), [
      ['binauthz/invalid-input', 'major', UNLOCATED_PATH, 1],
      ['binauthz/invalid-input', 'major', UNLOCATED_PATH, 1],
      ['binauthz/invalid-input', 'major', UNLOCATED_PATH, 1],
      ['binauthz/invalid-input', 'major', 'deploy/huge.yaml', 1],
    ]);
    assert.deepEqual(
      issues.map((i) => i.description),
      [
        'policy: HTTP 403: missing roles/binaryauthorization.policyViewer',
        '/elsewhere/deploy/web.yaml:3: YAML: unexpected end of the stream',
        '../sibling/web.yaml: the file is larger than 4 MiB',
        'the file is larger than 4 MiB',
      ],
    );
  });

  it('the same problem twice in one file still gets two fingerprints', () => {
    const twice = emptyReport({
      verdict: 'error',
      errors: [
        { file: 'deploy/a.yaml', line: 3, message: 'line 3: duplicate key "image"' },
        { file: 'deploy/a.yaml', line: 9, message: 'line 9: duplicate key "image"' },
      ],
    });
    const issues = assertValidReport(gitlab(twice));
    assert.equal(issues.length, 2);
  });

  it('control characters never reach a description, and descriptions are bounded', () => {
    const report = emptyReport({
      verdict: 'error',
      workloads: [
        {
          kind: 'Service',
          name: 'web\u001b[2J',
          file: 'web.yaml',
          line: 4,
          enforcement: 'enforced',
          verdict: 'error',
          summary: 'could not be decided',
          containers: [
            {
              name: 'app',
              image: 'x',
              line: 0,
              digest: null,
              decision: 'error',
              reason: 'invalid-image',
              detail: 'y'.repeat(100_000),
              attestors: [],
              fixes: [],
            },
          ],
          fixes: [],
          notes: [],
          problems: [],
        },
      ],
    });
    const [issue] = assertValidReport(gitlab(report));
    assert.ok(issue);
    assert.ok(!issue.description.includes('\u001b'));
    assert.ok(issue.description.length <= 2000);
    assert.equal(issue.location.lines.begin, 1, 'a line 0 becomes 1');
    assert.equal(issue.severity, 'major');
  });

  it('repository paths: relative, forward slashes, never outside the root', () => {
    const cases: [string, string, string | null][] = [
      ['deploy/web.yaml', '/repo', 'deploy/web.yaml'],
      ['./deploy/web.yaml', '/repo', 'deploy/web.yaml'],
      ['deploy\\web service.yaml', '/repo', 'deploy/web service.yaml'],
      ['/repo/deploy/web.yaml', '/repo', 'deploy/web.yaml'],
      ['/repo/deploy/web.yaml', '/repo/', 'deploy/web.yaml'],
      ['/repository/web.yaml', '/repo', null],
      ['/other/web.yaml', '/repo', null],
      ['../web.yaml', '/repo', null],
      ['deploy/../../web.yaml', '/repo', null],
      ['deploy/../web.yaml', '/repo', 'web.yaml'],
      ['', '/repo', null],
      ['/repo', '/repo', null],
      ['C:\\repo\\deploy\\web.yaml', 'C:\\repo', 'deploy/web.yaml'],
      ['D:\\repo\\web.yaml', 'C:\\repo', null],
      ['C:\\repo\\web.yaml', '/repo', null],
      ['/repo/web.yaml', 'relative-root', null],
    ];
    for (const [file, root, expected] of cases) assert.equal(repositoryPath(file, root), expected, `${file} under ${root}`);
  });
});

describe('binauthz-gate check --format gitlab (built CLI)', () => {
  const scratch = tempDir(after, 'format-gitlab-cli-');

  it('writes the report with paths relative to its working folder, and exits with the verdict', async () => {
    cpSync(FIXTURES, scratch, { recursive: true });
    const run = await runCli(['check', '--policy-file', join(scratch, 'policy.yaml'), '--format', 'gitlab', join(scratch, 'manifests')], { cwd: scratch });
    assert.equal(run.code, 2, 'the broken manifest could not be decided');
    assert.equal(run.stderr, '');
    assert.deepEqual(summary(assertValidReport(JSON.parse(run.stdout))), EXPECTED);
  });

  it('a passing run writes [] and exits 0', async () => {
    const run = await runCli(
      ['check', '--policy-file', join(FIXTURES, 'policy.yaml'), '--format', 'gitlab', join(FIXTURES, 'manifests', 'hello.service.yaml')],
      { cwd: FIXTURES },
    );
    assert.equal(run.code, 0);
    assert.deepEqual(JSON.parse(run.stdout), []);
  });
});
