// The pull-request comment and job summary: a committed snapshot, inert rendering of hostile
// manifests, links at the commit checked, and cutting to GitHub's size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkIn } from '../helpers/check-in.ts';
import { tempDir } from '../helpers/temp.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blobUrl, escapeMarkdown, formatMarkdown, formatNoManifests, type MarkdownOptions } from '../../src/report/format-markdown.ts';
import type { Report } from '../../src/report/report.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/report/', import.meta.url));
const MARKER = '<!-- binauthz-gate -->';
const NOTE = 'the full report is in the job summary';
const LINKS = { serverUrl: 'https://github.com', repository: 'octo/deploys', sha: '0123456789abcdef0123456789abcdef01234567' };
const COMMENT: MarkdownOptions = { links: LINKS, maxLength: 65_536, overflowNote: NOTE, marker: MARKER };
const PLAIN: MarkdownOptions = { ...COMMENT, links: null };

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Pipes that end a cell: GitHub honours `\|` as a literal pipe. */
function cellPipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

/** Every `<details>` closed, blank lines around its Markdown, every table row as wide as its header. */
function assertWellFormed(body: string): void {
  assert.equal(count(body, '<details>'), count(body, '</details>'), 'every <details> is closed');
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('<details>')) assert.equal(lines[i + 1], '', 'a blank line after <summary> lets the Markdown inside render');
    if (line === '</details>') assert.equal(lines[i - 1], '', 'a blank line before </details>');
    const startsTable = line.startsWith('|') && !(lines[i - 1] ?? '').startsWith('|');
    if (!startsTable) continue;
    const width = cellPipes(line);
    assert.match(lines[i + 1] ?? '', /^\|(---\|)+$/, `a table header is followed by its delimiter row: ${line}`);
    for (let j = i + 1; (lines[j] ?? '').startsWith('|'); j++) assert.equal(cellPipes(lines[j] ?? ''), width, `row ${j} has ${width - 1} cells`);
  }
}

test('the fixture report renders exactly as the committed snapshot', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const body = formatMarkdown(report, COMMENT);
  const expectedFile = join(FIXTURES, 'expected.md');
  // Regenerate deliberately: UPDATE_SNAPSHOTS=1 npx node --test test/report/format-markdown.test.ts, then review the diff.
  if (process.env['UPDATE_SNAPSHOTS'] === '1') writeFileSync(expectedFile, body);
  assert.equal(body, readFileSync(expectedFile, 'utf8'));
  assertWellFormed(body);
});

test('the snapshot has the verdict heading, a table per kind, folded details, errors and notes', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const body = formatMarkdown(report, COMMENT);
  const lines = body.split('\n');
  assert.equal(lines[0], MARKER, 'the marker comes first, so the sticky comment is found');
  assert.match(lines[1] ?? '', /^### ⛔ binauthz-gate: error/);
  assert.match(body, /Policy <code>file:policy\.yaml<\/code> \(etag <code>"snap-1"<\/code>\): default rule <code>REQUIRE&#95;ATTESTATION/);
  assert.ok(body.indexOf('#### Services (4)') < body.indexOf('#### Jobs (1)'), 'Services, then Jobs');
  assert.ok(body.includes('| verdict | workload | reason |'), 'one row per workload: verdict, kind and name, reason');
  assert.ok(body.includes('| ❌ fail | [Service web]('));
  assert.ok(body.includes('| ⚠️ warn | [Service hotfix]('));
  assert.ok(body.includes('| ⛔ error | [Service search]('));
  assert.ok(body.includes('<details><summary>Skipped 1 document(s)'));
  assert.ok(body.includes('#### ⛔ Errors (1)'), 'errors are not folded');
  assert.ok(body.includes('#### What to fix (4)'), 'fixes are not folded either');
  assert.ok(body.includes('<details><summary>Policy notes (2)'));
  const at = (text: string) => body.indexOf(text);
  assert.ok(
    at('#### Jobs (1)') < at('Errors (1)') && at('Errors (1)') < at('What to fix') && at('What to fix') < at('Skipped') && at('Skipped') < at('Policy notes'),
  );
  assert.ok(at('##### ❌ Service web') < at('##### ❌ Job export'), 'fixes follow the tables: Services, then Jobs');
});

test('files link to their line at the commit checked; without links they are plain paths', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const linked = formatMarkdown(report, COMMENT);
  const blob = 'https://github.com/octo/deploys/blob/0123456789abcdef0123456789abcdef01234567';
  assert.ok(linked.includes(`[manifests/web.service.yaml:2](${blob}/manifests/web.service.yaml#L2)`));
  assert.ok(linked.includes(`([line 13](${blob}/manifests/web.service.yaml#L13))`), 'each container links to its image line');
  assert.ok(linked.includes(`[manifests/broken.yaml:6](${blob}/manifests/broken.yaml#L6)`), 'errors link to their line');
  const plain = formatMarkdown(report, PLAIN);
  assert.ok(!plain.includes(']('), 'no links at all');
  assert.ok(plain.includes('| Service web (manifests/web.service.yaml:2) |'));
});

test('blob URLs encode what would end a Markdown link, and absolute paths are not linked', () => {
  assert.equal(
    blobUrl({ ...LINKS, serverUrl: 'https://ghe.example.com/' }, 'deploy/my app (v2).yaml', 7),
    'https://ghe.example.com/octo/deploys/blob/0123456789abcdef0123456789abcdef01234567/deploy/my%20app%20%28v2%29.yaml#L7',
  );
  assert.equal(blobUrl(LINKS, '/tmp/x.yaml', 1), null);
  assert.equal(blobUrl(LINKS, '../outside.yaml', 1), null);
  assert.equal(blobUrl(LINKS, 'C:/x.yaml', 1), null);
});

const HOSTILE = 'x</details><img src=x onerror=alert(1)>|@org/team [a](http://evil) <!-- binauthz-gate -->';

test('a hostile workload and container name renders as inert text', async (t) => {
  const dir = tempDir(t, 'format-markdown-');
  writeFileSync(join(dir, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n');
  const manifest = [
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'metadata:',
    `  name: ${JSON.stringify(HOSTILE)}`,
    '  annotations:',
    '    run.googleapis.com/binary-authorization: default',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `      - name: ${JSON.stringify(HOSTILE)}`,
    `        image: ${JSON.stringify(`us-docker.pkg.dev/p/r/${HOSTILE}`)}`,
    `      - name: ${JSON.stringify('**bold** _it_ ~~gone~~ `tick` $x$ #12 \u001b[31mred\nsecond line')}`,
    '        image: us-docker.pkg.dev/p/r/app@sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed',
  ].join('\n');
  writeFileSync(join(dir, 'web.yaml'), `${manifest}\n`);
  const report = await checkIn(dir, ['.']);
  assert.equal(report.workloads[0]?.name, HOSTILE, 'the engine keeps the name as written');
  for (const options of [PLAIN, COMMENT]) {
    const body = formatMarkdown(report, options);
    assertHostileIsInert(body, options.links === null);
    assert.ok(
      body.includes(
        'x&lt;/details&gt;&lt;img src=x onerror=alert&#40;1&#41;&gt;\\|@\u200dorg/team &#91;a&#93;&#40;http:\u200d//evil&#41; &lt;!-- binauthz-gate --&gt;',
      ),
    );
    assert.ok(!body.includes('**bold**') && !body.includes('_it_') && !body.includes('~~gone~~') && !body.includes('`tick`') && !body.includes('$x$'));
    assert.ok(body.includes('&#35;\u200d12'), 'no issue reference');
    assert.ok(!body.includes('\u001b'), 'control characters are cleaned');
    assert.ok(!body.split('\n').some((line) => line.startsWith('second line')), 'newlines become spaces');
  }
});

test('hostile text in every other field of the report is escaped too', () => {
  const report: Report = {
    verdict: 'error',
    policy: { source: `file:${HOSTILE}`, etag: HOSTILE, name: HOSTILE, defaultRule: HOSTILE, notes: [{ field: HOSTILE, line: 3, message: HOSTILE }] },
    workloads: [workload(1, { kind: 'Job', file: `${HOSTILE}.yaml`, summary: HOSTILE, notes: [HOSTILE], problems: [HOSTILE] })],
    skipped: [{ file: HOSTILE, line: 1, kind: HOSTILE, why: HOSTILE }],
    errors: [
      { file: HOSTILE, line: 2, message: HOSTILE },
      { file: null, line: null, message: HOSTILE },
    ],
  };
  for (const options of [PLAIN, COMMENT]) assertHostileIsInert(formatMarkdown(report, options), options.links === null);
  assert.ok(!formatMarkdown(report, COMMENT).includes('](http://evil'));
});

function assertHostileIsInert(body: string, noLinks: boolean): void {
  assert.ok(!body.includes('<img'), 'no image tag');
  assert.equal(count(body, '<!--'), 1, 'only our marker is an HTML comment');
  assert.equal(count(body, '<!-- binauthz-gate'), 1, 'the marker cannot be forged');
  assert.ok(!body.includes('@org'), 'no mention');
  if (noLinks) assert.ok(!body.includes(']('), 'no link');
  assert.ok(!body.includes('[a]'), 'no link text');
  assertWellFormed(body);
}

test('escaping keeps image digests copyable while breaking mentions', () => {
  assert.equal(escapeMarkdown('repo@sha256:abc'), 'repo@sha256:abc');
  assert.equal(escapeMarkdown('@org and (@team) and x-@y'), '@\u200dorg and &#40;@\u200dteam&#41; and x-@\u200dy');
  assert.equal(escapeMarkdown('a|b\\|c'), 'a\\|b&#92;\\|c', 'a backslash cannot un-escape the pipe');
  assert.equal(escapeMarkdown('line\r\nbreak\ttab'), 'line break tab');
  assert.equal(escapeMarkdown('\u202eevil'), '\ufffdevil', 'no bidirectional override');
  const urls = escapeMarkdown('see http://evil.example, HTTPS://evil.example, www.evil.example or a@evil.example');
  for (const link of ['http://', 'HTTPS://', 'www.', '@evil']) assert.ok(!urls.includes(link), `${link} is not autolinked`);
});

/** A literal workload: fail, one denied container with a long detail. */
function workload(i: number, overrides: Partial<WorkloadResult> = {}): WorkloadResult {
  const image = `us-docker.pkg.dev/p1/apps/service-${i}@sha256:${'ab'.repeat(32)}`;
  return {
    kind: 'Service',
    name: `service-${i}`,
    file: `deploy/service-${i}.yaml`,
    line: 2,
    enforcement: 'enforced',
    verdict: 'fail',
    summary: 'denied: the revision fails to deploy',
    containers: [
      {
        name: 'app',
        image,
        line: 12,
        digest: `sha256:${'ab'.repeat(32)}`,
        decision: 'deny',
        reason: 'always-deny',
        detail: `Container image '${image}' is not authorized by policy. Denied by an ALWAYS_DENY admission rule.`,
        attestors: [],
        fixes: [],
      },
    ],
    notes: [],
    problems: [],
    fixes: [],
    ...overrides,
  };
}

function bigReport(workloads: number): Report {
  return {
    verdict: 'error',
    policy: {
      source: 'file:policy.yaml',
      etag: null,
      name: null,
      defaultRule: 'ALWAYS_DENY (ENFORCED_BLOCK_AND_AUDIT_LOG)',
      notes: [{ field: 'clusterAdmissionRules', line: 9, message: 'ignored' }],
    },
    workloads: Array.from({ length: workloads }, (_, i) => workload(i, i % 3 === 0 ? { kind: 'Job', name: `job-${i}` } : {})),
    skipped: [{ file: 'k.yaml', line: 1, kind: 'Kustomization', why: 'not a Cloud Run Service or Job' }],
    errors: [{ file: 'broken.yaml', line: 4, message: 'invalid YAML' }],
  };
}

test('a report with 2,000 workloads is cut under GitHub comment limit, well-formed, ending with the note', () => {
  const report = bigReport(2000);
  assert.ok(formatMarkdown(report, { ...COMMENT, maxLength: Infinity }).length > 60_000, 'the whole report is longer than a comment');
  const body = formatMarkdown(report, COMMENT);
  assert.ok(body.length <= 65_536, `${body.length} characters`);
  assert.ok(body.startsWith(`${MARKER}\n`));
  assert.ok(body.trimEnd().endsWith(NOTE));
  assert.ok(body.includes('| ❌ fail | [Service service-1]('), 'the workload table comes before the details');
  assertWellFormed(body);
});

test('cutting to any small length stays within it and stays well-formed', async () => {
  const reports = [await checkIn(FIXTURES, ['manifests']), bigReport(40)];
  for (const report of reports) {
    const whole = formatMarkdown(report, COMMENT).length;
    for (let maxLength = 0; maxLength < whole + 10; maxLength += 97) {
      const body = formatMarkdown(report, { ...COMMENT, maxLength });
      assert.ok(body.length <= maxLength, `${body.length} > ${maxLength}`);
      if (body.length === whole) continue;
      if (body.startsWith(MARKER)) assertWellFormed(body);
      if (maxLength >= 200) {
        assert.ok(body.startsWith(`${MARKER}\n`), `marker kept at ${maxLength}`);
        assert.ok(body.trimEnd().endsWith(NOTE), `note at ${maxLength}`);
      }
    }
  }
});

test('a cut keeps whole rows: every kept row is a row of the full body', async () => {
  const report = await checkIn(FIXTURES, ['manifests']);
  const full = new Set(formatMarkdown(report, COMMENT).split('\n'));
  const body = formatMarkdown(report, { ...COMMENT, maxLength: 5000 });
  const lines = body.trimEnd().split('\n');
  assert.ok(
    lines.slice(0, -1).every((line) => full.has(line)),
    'no line is cut in the middle',
  );
  assert.match(lines.at(-1) ?? '', /^> ✂️ /);
});

test('the no-manifests body carries the marker and says there is nothing to check', () => {
  const body = formatNoManifests(MARKER);
  assert.ok(body.startsWith(`${MARKER}\n### `));
  assert.match(body, /changes no Cloud Run Service or Job manifest/);
  assert.ok(!formatNoManifests(null).includes('<!--'));
});

test('a report without workloads still renders its heading and errors', () => {
  const report: Report = {
    verdict: 'error',
    policy: { source: 'projects/p/policy', etag: null, name: null, defaultRule: null, notes: [] },
    workloads: [],
    skipped: [],
    errors: [{ file: null, line: null, message: 'policy: HTTP 403: roles/binaryauthorization.policyViewer is missing' }],
  };
  const body = formatMarkdown(report, PLAIN);
  assert.match(body, /not usable: see the errors below/);
  assert.match(body, /\n- policy: HTTP 403/);
  assert.ok(!body.includes('#### Services'));
});
