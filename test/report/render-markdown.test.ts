// The comment as GitHub shows it: rendered with a GitHub-flavoured Markdown renderer (micromark
// with its GFM extension, raw HTML passed through as GitHub does), then read as a reviewer would.
// No Markdown may show literally (backticks, asterisks, link syntax), no table cell may be wider
// than a reviewer's screen, every workload has one row, and fixes are code blocks outside tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { formatMarkdown, REASON_MAX, type MarkdownOptions } from '../../src/report/format-markdown.ts';
import type { ContainerResult } from '../../src/policy/decision.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';
import { describeFixes, type Fix } from '../../src/policy/fix.ts';
import type { Report } from '../../src/report/report.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/report/', import.meta.url));
const LINKS = { serverUrl: 'https://github.com', repository: 'octo/deploys', sha: '0123456789abcdef0123456789abcdef01234567' };
const COMMENT: MarkdownOptions = { links: LINKS, maxLength: 65_536, overflowNote: 'the full report is in the job summary', marker: '<!-- binauthz-gate -->' };
const MAX_CELL = 120;

function render(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** What a browser shows for the text between tags. */
function decode(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return named[name.toLowerCase()] ?? whole;
  });
}

interface Rendered {
  /** Text outside <code> and <pre>, decoded. */
  readonly prose: string[];
  /** Every table: rows of cells' decoded text. */
  readonly tables: string[][][];
  /** Whether a <pre> opened inside a table. */
  readonly preInTable: boolean;
}

/** A small reader of the renderer's own output, which is well-formed: tags, comments and text. */
function read(html: string): Rendered {
  const prose: string[] = [];
  const tables: string[][][] = [];
  let codeDepth = 0;
  let inTable = false;
  let preInTable = false;
  let cell: string | null = null;
  for (const piece of html.split(/(<!--[\s\S]*?-->|<[^>]*>)/)) {
    if (piece.startsWith('<!--')) continue;
    const tag = /^<(\/?)([a-z0-9]+)/i.exec(piece);
    if (tag !== null) {
      const [, closing, name = ''] = tag;
      const lower = name.toLowerCase();
      if (lower === 'code' || lower === 'pre') codeDepth += closing ? -1 : 1;
      if (lower === 'pre' && !closing && inTable) preInTable = true;
      if (lower === 'table') {
        inTable = !closing;
        if (!closing) tables.push([]);
      }
      if (lower === 'tr' && !closing) tables.at(-1)?.push([]);
      if (lower === 'td' || lower === 'th') {
        if (closing) {
          tables
            .at(-1)
            ?.at(-1)
            ?.push(cell ?? '');
          cell = null;
        } else cell = '';
      }
      continue;
    }
    const text = decode(piece);
    if (cell !== null) cell += text;
    if (codeDepth === 0 && text.trim() !== '') prose.push(text);
  }
  return { prose, tables, preInTable };
}

function assertReadsRight(markdown: string, workloads: readonly WorkloadResult[], cut = false): void {
  const rendered = read(render(markdown));
  for (const text of rendered.prose) {
    assert.ok(!text.includes('`'), `a literal backtick in the rendered text: ${text}`);
    assert.ok(!text.includes('*'), `a literal asterisk in the rendered text: ${text}`);
    assert.ok(!/\]\(|\|---|^\s*#{1,6} |<\/?(details|summary|code|br)>/.test(text), `Markdown or HTML shown literally: ${text}`);
  }
  assert.ok(!rendered.preInTable, 'no code block inside a table');
  const cells = rendered.tables.flat(2);
  const widest = Math.max(...cells.map((c) => [...c.trim()].length));
  assert.ok(widest <= MAX_CELL, `the widest cell has ${widest} characters`);
  const workloadTables = rendered.tables.filter((t) => t[0]?.join('|') === 'verdict|workload|reason');
  // Without links (the CLI) the cell ends with the file and line.
  const named = workloadTables.flatMap((t) => t.slice(1).map((r) => (r[1] ?? '').replace(/ \([^()]*:\d+\)$/, '')));
  const expected = workloads.map((w) => `${w.kind} ${w.name}`);
  assert.deepEqual([...named].sort(), [...expected].sort(), 'every workload has exactly one row in the workload tables');
  for (const table of workloadTables) for (const r of table.slice(1)) assert.ok([...(r[2] ?? '')].length <= REASON_MAX, `reason too long: ${r[2]}`);
  const html = render(markdown);
  // A cut comment keeps every row of the tables, and the details that fit.
  if (cut) return;
  for (const w of workloads) {
    const sections = [...html.matchAll(/<h5>(.*?)<\/h5>/g)].filter((m) => decode(m[1] ?? '').endsWith(` ${w.kind} ${w.name}`)).length;
    assert.equal(sections, w.verdict === 'pass' ? 0 : 1, `${w.kind} ${w.name}: one section of details and fixes unless it passes`);
  }
}

test('the committed snapshot renders with no Markdown shown literally, narrow cells, one row per workload', () => {
  const markdown = readFileSync(`${FIXTURES}expected.md`, 'utf8');
  const names = [...markdown.matchAll(/^\| \S+ (\w+) \| \[(Service|Job) ([^\]]+)\]\(/gm)].map(
    (m) => ({ verdict: m[1], kind: m[2], name: m[3] }) as WorkloadResult,
  );
  assert.equal(names.length, 5);
  assertReadsRight(markdown, names);
  assert.match(
    render(markdown),
    /<pre><code class="language-sh">binauthz-gate attest --attestor projects\/p1\/attestors\/built-by-ci --kms-key-version KEY_VERSION us-docker\.pkg\.dev\/p1\/apps\/web@sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed\n<\/code><\/pre>/,
    'the attest fix is a code block, with the full digest',
  );
  assert.match(render(markdown), /<code>us-docker\.pkg\.dev\/p1\/apps\/web@sha256:7692c3ad3540<\/code>/, 'tables show 12 hex digits');
});

const HEX = (i: number) => i.toString(16).padStart(2, '0').repeat(32);

function container(i: number, decision: ContainerResult['decision'], image: string, fixes: readonly Fix[] = []): ContainerResult {
  const digest = image.includes('@sha256:') ? image.slice(image.indexOf('@') + 1) : null;
  const base = { name: `container-${i}`, image, line: 20 + 2 * i, digest, attestors: [], fixes };
  const fix = describeFixes(fixes);
  switch (decision) {
    case 'allow':
      return { ...base, decision, reason: 'exempt', detail: 'exempt by admissionWhitelistPatterns `us-docker.pkg.dev/shared/**`' };
    case 'deny':
    case 'dryrun-deny':
      return {
        ...base,
        decision,
        reason: 'missing-attestation',
        detail: `Container image '${image}' is not authorized by policy. Denied by attestor projects/p/attestors/qa: no attestation. ${fix}`,
      };
    case 'error':
      return { ...base, decision, reason: 'unresolved-tag', detail: `attestations bind digests, and the digest of tag v3 is not known. ${fix}` };
  }
}

/** 50 workloads: every verdict, enforcement and fix kind, image names far longer than a cell, and one workload of 30 containers. */
function fiftyWorkloads(): Report {
  const longRepo = (i: number) =>
    `europe-west4-docker.pkg.dev/a-very-long-project-name-${i}/a-repository-with-a-long-name/team/sub-team/component-${i}-with-an-even-longer-image-name`;
  const workloads: WorkloadResult[] = Array.from({ length: 50 }, (_, i) => {
    const image = `${longRepo(i)}@sha256:${HEX(i)}`;
    const attest: Fix = { kind: 'attest', attestor: 'projects/p/attestors/qa', image };
    const pattern: Fix = { kind: 'add-allowlist-pattern', pattern: `${longRepo(i)}@*` };
    const kind = i % 4 === 0 ? 'Job' : 'Service';
    const base = {
      kind,
      name: `${kind.toLowerCase()}-${i}-${'x'.repeat(i % 7 === 0 ? 40 : 3)}`,
      file: `deploy/w${i}.yaml`,
      line: 1,
      notes: [],
      problems: [],
      fixes: [],
    } as const;
    const count = i === 7 ? 30 : 1 + (i % 3);
    const containers = (decision: ContainerResult['decision'], fixes: readonly Fix[] = []) =>
      Array.from({ length: count }, (_, j) =>
        container(
          j,
          j === 0 || i === 7 ? decision : 'allow',
          j === 0 || i === 7 ? image : `us-docker.pkg.dev/shared/c${j}@sha256:${HEX(j)}`,
          j === 0 || i === 7 ? fixes : [],
        ),
      );
    switch (i % 6) {
      case 0:
        return { ...base, enforcement: 'enforced', verdict: 'pass', summary: 'the revision deploys', containers: containers('allow') };
      case 1:
        return {
          ...base,
          enforcement: 'enforced',
          verdict: 'fail',
          summary: 'denied: the revision fails to deploy',
          containers: containers('deny', [attest, pattern]),
        };
      case 2:
        return {
          ...base,
          enforcement: 'enforced',
          verdict: 'warn',
          summary: 'dry run: deploys, and the denial is logged',
          containers: containers('dryrun-deny', [attest]),
        };
      case 3:
        return {
          ...base,
          enforcement: 'breakglass',
          verdict: 'warn',
          summary: 'breakglass: deploys although the policy would deny it',
          containers: containers('deny', [attest]),
          notes: ['a breakglass annotation kept in YAML is sent again by every `gcloud run services replace`'],
          fixes: [{ kind: 'remove-annotation', key: 'run.googleapis.com/breakglass' }],
        };
      case 4: {
        const fixes: Fix[] = [{ kind: 'set-annotation', key: 'run.googleapis.com/binary-authorization', value: 'default' }];
        return {
          ...base,
          enforcement: 'not-enforced',
          verdict: 'fail',
          summary: `Cloud Run will not check its images (no annotation). ${describeFixes(fixes)}`,
          containers: containers('allow'),
          fixes,
        };
      }
      default:
        return {
          ...base,
          enforcement: 'enforced',
          verdict: 'error',
          summary: 'could not be decided; the gate fails closed',
          containers: containers('error', [{ kind: 'pin-digest', image: `${longRepo(i)}:v3` }]),
        };
    }
  });
  return {
    verdict: 'error',
    policy: {
      source: 'projects/p/policy',
      etag: '"e"',
      name: null,
      defaultRule: 'REQUIRE_ATTESTATION by projects/p/attestors/qa (ENFORCED_BLOCK_AND_AUDIT_LOG)',
      notes: [{ field: 'clusterAdmissionRules', line: 9, message: 'ignored: Cloud Run applies only `defaultAdmissionRule`' }],
    },
    workloads,
    skipped: [{ file: 'k.yaml', line: 1, kind: 'v1 ConfigMap', why: 'not a Cloud Run Service or Job' }],
    errors: [{ file: 'broken.yaml', line: 4, message: 'invalid YAML at line 4, column 1' }],
  };
}

test('a generated report of 50 workloads (every verdict, long images, 30 containers in one) reads right, whole and cut', () => {
  const report = fiftyWorkloads();
  const whole = formatMarkdown(report, { ...COMMENT, maxLength: 1_000_000 });
  assertReadsRight(whole, report.workloads);
  const html = render(whole);
  assert.equal((html.match(/<pre><code class="language-sh">binauthz-gate attest/g) ?? []).length, 9 + 8 + 8 + 29, 'one attest block per denied container');
  assert.match(html, /<pre><code class="language-yaml">admissionWhitelistPatterns:\n- namePattern: europe-west4-docker\.pkg\.dev\//);
  assert.match(html, /<pre><code class="language-yaml">metadata:\n {2}annotations:\n {4}run\.googleapis\.com\/binary-authorization: default\n<\/code><\/pre>/);
  assert.ok(html.includes(`@sha256:${HEX(1)}`), 'the full digest is in the details');
  assertReadsRight(formatMarkdown(report, { ...COMMENT, maxLength: 1_000_000, links: null }), report.workloads);
  const comment = formatMarkdown(report, COMMENT);
  assert.ok(comment.length <= 65_536 && comment.length < whole.length, 'the comment is cut to fit');
  assertReadsRight(comment, report.workloads, true);
});
