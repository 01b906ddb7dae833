// The report as GitHub Markdown: the body of the pull-request comment and of the job summary.
// Everything a manifest or the policy says is untrusted, so it goes through `escapeMarkdown`
// and renders as inert text in table cells, list items and `<code>`: no links, images,
// mentions, markup, broken tables or forged comment markers. The body is cut at a row
// boundary to fit GitHub's comment limit, and stays well-formed when cut.
import type { ContainerResult, RunVerdict, WorkloadVerdict } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { clean } from './format-text.ts';
import { countVerdicts, type Report } from './report.ts';

export interface MarkdownOptions {
  /** Links each file at the commit checked: `${serverUrl}/${owner}/${repo}/blob/${sha}/${path}#L${line}`; null = plain text paths (CLI). */
  readonly links: { readonly serverUrl: string; readonly repository: string; readonly sha: string } | null;
  /** GitHub's comment limit is 65,536 characters; past `maxLength` the body is cut at a row boundary with a pointer to `overflowNote`. */
  readonly maxLength: number;
  /** Plain text (escaped like the rest), e.g. 'the full report is in the job summary'. */
  readonly overflowNote: string;
  /** The hidden marker that identifies our sticky comment, placed first: '<!-- binauthz-gate -->' */
  readonly marker: string | null;
}

type Links = MarkdownOptions['links'];

const RUN_ICON: Record<RunVerdict, string> = { pass: '✅', fail: '❌', error: '⛔' };
const VERDICT_ICON: Record<WorkloadVerdict, string> = { pass: '✅', warn: '⚠️', fail: '❌', error: '⛔' };
const DECISION_ICON: Record<ContainerResult['decision'], string> = { allow: '✅', 'dryrun-deny': '⚠️', deny: '❌', error: '⛔' };
const KINDS = [
  { kind: 'Service', title: 'Services' },
  { kind: 'Job', title: 'Jobs' },
] as const;

/**
 * A piece of the body. When the body is too long it is cut between two `rows`; `open` and
 * `close` are kept or dropped together, so a cut never leaves a table or `<details>` open.
 */
interface Block {
  readonly open: readonly string[];
  readonly rows: readonly string[];
  readonly close: readonly string[];
  /** Dropped first when the body is too long: it repeats what the rows above already say about failures. */
  readonly expendable?: true;
}

/** Without a usable policy nothing was evaluated: that is not the same as nothing found. */
export function noWorkloadLine(report: Report): string {
  return report.policy.defaultRule === null ? 'The policy cannot be used: no workload was evaluated (see the errors).' : 'No Cloud Run Service or Job found.';
}

export function formatMarkdown(report: Report, options: MarkdownOptions): string {
  const blocks = [
    headBlock(report, options.marker),
    ...KINDS.flatMap(({ kind, title }) => kindBlocks(title, report.workloads.filter((w) => w.kind === kind), options.links)),
    ...(report.workloads.length === 0 ? [{ open: [noWorkloadLine(report)], rows: [], close: [] }] : []),
    ...skippedBlocks(report, options.links),
    ...errorBlocks(report, options.links),
    ...policyNoteBlocks(report),
  ];
  return fit(blocks, options);
}

/** The body when the pull request changes no Cloud Run manifest (any more), so the sticky comment says so. */
export function formatNoManifests(marker: string | null): string {
  const lines = [
    '### ℹ️ binauthz-gate: no Cloud Run manifest changed',
    '',
    'This pull request changes no Cloud Run Service or Job manifest (any more): there is nothing for Binary Authorization to check.',
  ];
  return `${[...(marker === null ? [] : [marker]), ...lines].join('\n')}\n`;
}

function headBlock(report: Report, marker: string | null): Block {
  const policy = report.policy;
  const etag = policy.etag === null ? '' : ` (etag ${code(policy.etag)})`;
  const rule = policy.defaultRule === null ? 'not usable: see the errors below' : `default rule ${code(policy.defaultRule)}`;
  const counts = countVerdicts(report.workloads);
  const tally = (['pass', 'warn', 'fail', 'error'] as const).map((v) => `${counts[v]} ${VERDICT_ICON[v]} ${v}`).join(', ');
  const extra = [
    report.skipped.length > 0 ? `${report.skipped.length} document(s) skipped` : '',
    report.errors.length > 0 ? `${report.errors.length} error(s)` : '',
  ].filter(Boolean);
  return {
    open: [
      ...(marker === null ? [] : [marker]),
      `### ${RUN_ICON[report.verdict]} binauthz-gate: ${runWords(report.verdict)}`,
      '',
      `Policy ${code(policy.source)}${etag}: ${rule}`,
      '',
      `**${report.workloads.length} workload(s)**: ${tally}${extra.map((e) => `; ${e}`).join('')}`,
    ],
    rows: [],
    close: [],
  };
}

function runWords(verdict: RunVerdict): string {
  if (verdict === 'error') return 'error (could not decide, fails closed)';
  return verdict;
}

/** One table of workloads of a kind, then every container of them, folded. */
function kindBlocks(title: string, workloads: readonly WorkloadResult[], links: Links): Block[] {
  if (workloads.length === 0) return [];
  const containers = workloads.flatMap((w) => w.containers.map((c) => containerRow(w, c, links)));
  return [
    {
      open: [`#### ${title} (${workloads.length})`, '', '| verdict | name | file | enforcement | reason & fix |', '|---|---|---|---|---|'],
      rows: workloads.map((w) => workloadRow(w, links)),
      close: [],
    },
    {
      open: [
        // Only our own words in <summary>: it is raw HTML, where Markdown escapes do not apply.
        `<details><summary>Every container of these ${title.toLowerCase()} (${containers.length})</summary>`,
        '',
        '| workload | container | image | digest | decision | detail |',
        '|---|---|---|---|---|---|',
      ],
      rows: containers,
      close: ['', '</details>'],
      expendable: true,
    },
  ];
}

function workloadRow(workload: WorkloadResult, links: Links): string {
  return row([
    `${VERDICT_ICON[workload.verdict]} ${workload.verdict}`,
    escapeMarkdown(workload.name),
    fileLink(workload.file, workload.line, links),
    workload.enforcement,
    reasonAndFix(workload),
  ]);
}

/** Short on purpose: the summary, then only the containers that did not pass, and what is wrong with the workload itself. */
function reasonAndFix(workload: WorkloadResult): string {
  const parts = [escapeMarkdown(workload.summary)];
  for (const container of workload.containers) {
    if (container.decision === 'allow') continue;
    parts.push(`${DECISION_ICON[container.decision]} ${code(container.name)}: ${decisionWords(container)}: ${escapeMarkdown(container.detail)}`);
  }
  for (const problem of workload.problems) parts.push(`⛔ ${escapeMarkdown(problem)}`);
  for (const note of workload.notes) parts.push(`Note: ${escapeMarkdown(note)}`);
  return parts.join('<br>');
}

function containerRow(workload: WorkloadResult, container: ContainerResult, links: Links): string {
  return row([
    `${workload.kind} ${escapeMarkdown(workload.name)}`,
    `${code(container.name)} (${fileLink(workload.file, container.line, links, `line ${container.line}`)})`,
    container.image === '' ? '—' : code(container.image),
    container.digest === null ? '—' : code(container.digest),
    `${DECISION_ICON[container.decision]} ${decisionWords(container)}`,
    escapeMarkdown(container.detail),
  ]);
}

function decisionWords(container: ContainerResult): string {
  return `${container.decision} (${container.reason})`;
}

function skippedBlocks(report: Report, links: Links): Block[] {
  if (report.skipped.length === 0) return [];
  return [
    {
      open: [
        `<details><summary>Skipped ${report.skipped.length} document(s) that are not Cloud Run Services or Jobs</summary>`,
        '',
        '| file | kind | why |',
        '|---|---|---|',
      ],
      rows: report.skipped.map((doc) => row([fileLink(doc.file, doc.line, links), escapeMarkdown(doc.kind), escapeMarkdown(doc.why)])),
      close: ['', '</details>'],
    },
  ];
}

/** Not folded: an error means the gate could not decide, and fails closed. */
function errorBlocks(report: Report, links: Links): Block[] {
  if (report.errors.length === 0) return [];
  return [
    {
      open: [`#### ⛔ Errors (${report.errors.length}): the gate could not decide, and fails closed`, ''],
      rows: report.errors.map((error) => {
        const where = error.file === null ? '' : `${fileLink(error.file, error.line, links)}: `;
        return `- ${where}${escapeMarkdown(error.message)}`;
      }),
      close: [],
    },
  ];
}

function policyNoteBlocks(report: Report): Block[] {
  const notes = report.policy.notes;
  if (notes.length === 0) return [];
  return [
    {
      open: [`<details><summary>Policy notes (${notes.length}): rules and settings Cloud Run ignores</summary>`, ''],
      rows: notes.map((note) => `- ${code(note.field)}${note.line === null ? '' : ` (line ${note.line})`}: ${escapeMarkdown(note.message)}`),
      close: ['', '</details>'],
    },
  ];
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Inline code as HTML: a backtick span would show entities literally, `<code>` decodes them. */
function code(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** `path:line`, linked at the commit checked when links are given and the path is inside the repository. */
function fileLink(file: string, line: number | null, links: Links, label?: string): string {
  const at = line !== null && line >= 1 ? line : null;
  const text = escapeMarkdown(label ?? (at === null ? file : `${file}:${at}`));
  const url = links === null ? null : blobUrl(links, file, at);
  return url === null ? text : `[${text}](${url})`;
}

/** Null for paths a blob URL cannot name (absolute, or outside the checkout). */
export function blobUrl(links: NonNullable<Links>, file: string, line: number | null): string | null {
  const segments = file.split('/').filter((s) => s !== '' && s !== '.');
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file) || segments.length === 0 || segments.includes('..')) return null;
  const server = links.serverUrl.replace(/\/+$/, '');
  const repository = links.repository.split('/').map(urlSegment).join('/');
  const anchor = line === null ? '' : `#L${line}`;
  return `${server}/${repository}/blob/${urlSegment(links.sha)}/${segments.map(urlSegment).join('/')}${anchor}`;
}

/** encodeURIComponent leaves `()!'*`; a `)` would end the Markdown link early, so they are encoded too. */
function urlSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[()!'*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Characters that mean something to Markdown or HTML, as entities. An entity is literal text to
 * the Markdown parser (`&#42;` never starts emphasis, `&#91;` never starts a link) and the
 * browser decodes it, so it reads the same. Quotes need none (untrusted text never goes into an
 * attribute), nor `!` (`[` cannot start an image). `|` is `\|`: GitHub's tables split rows on a
 * bare `|` before anything else, and `\|` is the escape they honour, in code too. That is why
 * untrusted text never goes into raw-HTML lines such as `<summary>`, where the `\` would show.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '\\|',
  '\\': '&#92;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '(': '&#40;',
  ')': '&#41;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '#': '&#35;',
  $: '&#36;', // GitHub renders $…$ as math
};

/** Bidirectional overrides and isolates can make text read differently from what it is. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const ZWJ = '\u200d';

/**
 * Untrusted text as one line of inert Markdown, valid in table cells, list items and `<code>`.
 * GitHub finds mentions, issue references and bare URLs after rendering, in the decoded text, so
 * entities cannot stop them; a zero-width joiner breaks them without changing what one reads:
 * after `@` where a mention could start (not after a letter or digit, so `repo@sha256:…` still
 * copies intact) or before an e-mail domain, after `#` before a digit, and inside `://` and `www.`.
 */
export function escapeMarkdown(text: string): string {
  const oneLine = clean(text.replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ')).replace(BIDI, '\ufffd');
  return oneLine
    .replace(/(?<![A-Za-z0-9_])@|@(?=[A-Za-z0-9_.+-]*\.[A-Za-z0-9])/g, `@${ZWJ}`)
    .replace(/(?<=:)(?=\/\/)|(?<=\bwww)(?=\.)/gi, ZWJ)
    .replace(/[&<>|\\`[\]()*_~#$]/g, (ch) => ENTITIES[ch] ?? ch)
    .replace(/&#35;(?=\d)/g, `&#35;${ZWJ}`);
}

/**
 * The whole body if it fits. Else the container lists go first (each workload row already
 * names its failing containers), then rows are cut from the end, and the overflow note follows.
 */
function fit(blocks: readonly Block[], options: MarkdownOptions): string {
  const whole = `${render(blocks)}\n`;
  if (whole.length <= options.maxLength) return whole;
  const note = `> ✂️ **Cut to fit GitHub's size limit**: ${escapeMarkdown(options.overflowNote)}`;
  const kept = keepWithin(
    blocks.filter((b) => !b.expendable),
    options.maxLength - `\n\n${note}\n`.length,
  );
  if (kept.length === 0) return cutTo([...(options.marker === null ? [] : [options.marker]), note].join('\n\n'), options.maxLength);
  return `${render(kept)}\n\n${note}\n`;
}

/** The longest prefix of the blocks, cut at a row boundary, whose rendering is at most `budget` long. */
function keepWithin(blocks: readonly Block[], budget: number): Block[] {
  const kept: Block[] = [];
  let used = 0;
  for (const block of blocks) {
    // Joined by newlines: each row adds its length and one newline; blocks are two newlines apart.
    const frame = (kept.length === 0 ? 0 : 2) + linesLength([...block.open, ...block.close]);
    if (used + frame > budget) break;
    let size = frame;
    let count = 0;
    for (const line of block.rows) {
      if (used + size + line.length + 1 > budget) break;
      size += line.length + 1;
      count++;
    }
    if (block.rows.length > 0 && count === 0) break;
    kept.push({ ...block, rows: block.rows.slice(0, count) });
    used += size;
    if (count < block.rows.length) break;
  }
  return kept;
}

function render(blocks: readonly Block[]): string {
  return blocks.map((b) => [...b.open, ...b.rows, ...b.close].join('\n')).join('\n\n');
}

/** Length of lines joined by newlines. */
function linesLength(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + line.length, 0) + Math.max(0, lines.length - 1);
}

/** The last resort when even the heading does not fit: whole characters only, never past `max`. */
function cutTo(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}
