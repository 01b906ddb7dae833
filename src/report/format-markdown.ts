// The report as GitHub Markdown: the body of the pull-request comment and of the job summary.
// Everything a manifest or the policy says is untrusted, so it goes through `escapeMarkdown`
// and renders as inert text in table cells, list items and `<code>`: no links, images,
// mentions, markup, broken tables or forged comment markers. The body is cut at a row
// boundary to fit GitHub's comment limit, and stays well-formed when cut.
import type { ContainerResult, RunVerdict, WorkloadVerdict } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { deployedWhere } from './deployed-origin.ts';
import { describeFixes, type Fix } from '../policy/fix.ts';
import { clean } from './format-text.ts';
import { countVerdicts, type Report } from './report.ts';
import { containerSeverity, settingSeverity, workloadSeverity } from './severity.ts';

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

/**
 * Heading and tally; one table per kind, one row per workload with a reason of at most
 * REASON_MAX characters; errors; then, for each workload that does not pass, its containers
 * with full digests, what decided and each fix as a code block (never inside a table); the
 * passing workloads' containers, skipped documents and policy notes are folded.
 */
export function formatMarkdown(report: Report, options: MarkdownOptions): string {
  const flagged = KINDS.flatMap(({ kind }) => report.workloads.filter((w) => w.kind === kind && workloadSeverity(w) !== 'note'));
  const blocks = [
    headBlock(report, options.marker),
    ...KINDS.flatMap(({ kind, title }) =>
      workloadTable(
        title,
        report.workloads.filter((w) => w.kind === kind),
        options.links,
      ),
    ),
    ...(report.workloads.length === 0 ? [{ open: [noWorkloadLine(report)], rows: [], close: [] }] : []),
    ...errorBlocks(report, options.links),
    ...(flagged.length === 0 ? [] : [{ open: [`#### What to fix (${flagged.length})`], rows: [], close: [] }]),
    ...flagged.flatMap((w) => workloadDetails(w, options.links)),
    ...KINDS.flatMap(({ kind, title }) =>
      passingContainers(
        title,
        report.workloads.filter((w) => w.kind === kind && workloadSeverity(w) === 'note'),
        options.links,
      ),
    ),
    ...skippedBlocks(report, options.links),
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

/** One table of workloads of a kind: the glance. */
function workloadTable(title: string, workloads: readonly WorkloadResult[], links: Links): Block[] {
  if (workloads.length === 0) return [];
  return [
    {
      open: [`#### ${title} (${workloads.length})`, '', '| verdict | workload | reason |', '|---|---|---|'],
      rows: workloads.map((w) => row([`${VERDICT_ICON[w.verdict]} ${w.verdict}`, workloadLink(w, links), escapeMarkdown(shortReason(w))])),
      close: [],
    },
  ];
}

/** Kind and name, linked to the workload's line; without links the path follows in plain text. */
function workloadLink(workload: WorkloadResult, links: Links): string {
  const label = `${workload.kind} ${shorten(workload.name, NAME_MAX)}`;
  if (workload.deployed) return `${escapeMarkdown(label)} (${escapeMarkdown(deployedWhere(workload.kind, workload.deployed))})`;
  const url = links === null ? null : blobUrl(links, workload.file, lineOf(workload.line));
  if (url !== null) return `[${escapeMarkdown(label)}](${url})`;
  return `${escapeMarkdown(label)} (${fileText(workload.file, workload.line)})`;
}

export const REASON_MAX = 80;
const NAME_MAX = 60;
const CONTAINER_NAME_MAX = 40;
const IMAGE_MAX = 96;

/**
 * At most REASON_MAX characters, in the gate's own words: what about the workload's setting, and
 * the first container that did not pass (the others are counted), else the summary.
 */
function shortReason(workload: WorkloadResult): string {
  const parts: string[] = [];
  if (settingSeverity(workload) !== 'note')
    parts.push(workload.enforcement === 'breakglass' ? 'breakglass deploy, audit-logged' : 'not enforced: no image is checked');
  const flagged = workload.containers.filter((c) => containerSeverity(workload, c) !== 'note');
  const [first] = flagged;
  if (first !== undefined) {
    const more = flagged.length > 1 ? ` (+${flagged.length - 1} more)` : '';
    parts.push(`${shorten(first.name, 24)}: ${first.decision} (${first.reason})${more}`);
  }
  if (workload.problems.length > 0) parts.push('its setting cannot be decided');
  if (workload.enforcement === 'named-policy' && first === undefined) parts.push('names a platform policy');
  return shorten(parts.length > 0 ? parts.join('; ') : withoutFix(workload.summary), REASON_MAX);
}

/** For a workload that does not pass: its containers, with full digests in the prose; what decided; the fixes. */
function workloadDetails(workload: WorkloadResult, links: Links): Block[] {
  const heading = `##### ${VERDICT_ICON[workload.verdict]} ${escapeMarkdown(`${workload.kind} ${workload.name}`)}`;
  const table: Block = {
    open: [heading, '', `${workloadPlace(workload, links)}: ${prose(withoutFix(workload.summary))}`, '', '| container | image | decision |', '|---|---|---|'],
    rows: workload.containers.map((c) => containerRow(workload, c, links)),
    close: [],
  };
  const paragraphs = [
    ...workload.problems.map((problem) => `⛔ ${prose(problem)}`),
    ...fixParagraphs(workload.summary, workload.fixes, `the ${workload.kind}`).slice(1),
    ...workload.containers.filter((c) => containerSeverity(workload, c) !== 'note').map((c) => containerParagraph(c)),
    ...workload.notes.map((note) => `Note: ${prose(note)}`),
  ];
  // A blank line between paragraphs, so a cut between them keeps each whole.
  return [table, { open: [], rows: paragraphs.map((p, i) => (i === 0 ? p : `\n${p}`)), close: [] }];
}

/** A file's path and line (linked), or a deployed workload's resource name and region (never a link: it is not a file). */
function workloadPlace(workload: WorkloadResult, links: Links): string {
  if (!workload.deployed) return fileLink(workload.file, workload.line, links);
  return `${code(workload.deployed.resource)}, ${escapeMarkdown(deployedWhere(workload.kind, workload.deployed))}`;
}

function containerRow(workload: WorkloadResult, container: ContainerResult, links: Links): string {
  const name = code(shorten(container.name, CONTAINER_NAME_MAX));
  if (workload.deployed)
    return row([
      name,
      container.image === '' ? '—' : code(shortImage(container.image)),
      `${DECISION_ICON[container.decision]} ${container.decision} (${container.reason})`,
    ]);
  const at = fileLink(workload.file, container.line, links, `line ${container.line}`);
  return row([
    `${name} (${at})`,
    container.image === '' ? '—' : code(shortImage(container.image)),
    `${DECISION_ICON[container.decision]} ${container.decision} (${container.reason})`,
  ]);
}

/** What decided, in full (the whole image reference and digest), then the fixes as code blocks. */
function containerParagraph(container: ContainerResult): string {
  const [detail, ...fixes] = fixParagraphs(container.detail, container.fixes, 'the image');
  const lead = `${DECISION_ICON[container.decision]} ${code(container.name)}: ${container.decision} (${container.reason}). ${detail ?? ''}`;
  return [lead.trimEnd(), ...fixes].join('\n\n');
}

/**
 * The sentence with its "Fix: …" clause taken out, then each fix on its own: the clause is the
 * same fixes in prose, with commands in backticks that belong in code blocks.
 */
function fixParagraphs(text: string, fixes: readonly Fix[], subject: string): string[] {
  if (fixes.length === 0) return [prose(text)];
  // Element 0 is always the sentence, even empty: callers that already showed it drop it.
  const sentence = describeFixes(fixes);
  const at = text.indexOf(sentence);
  const cut = at >= 0 ? at : text.indexOf('Fix: ');
  const before = cut >= 0 ? text.slice(0, cut).trim() : text;
  const after =
    at >= 0
      ? text
          .slice(at + sentence.length)
          .replace(/^[;,.]?\s*(or\s+)?/, '')
          .trim()
      : '';
  return [prose(before), ...fixes.map((fix, i) => renderFix(fix, i === 0 ? 'Fix' : 'Or', subject)), ...(after === '' ? [] : [`Or: ${prose(after)}`])];
}

/** One fix: a sentence and, where there is something to paste, a fenced code block. */
function renderFix(fix: Fix, lead: string, subject: string): string {
  switch (fix.kind) {
    case 'add-allowlist-pattern': {
      const patterns = 'pattern' in fix ? [fix.pattern] : fix.patterns;
      return withCode(`${lead}: exempt ${subject} in the policy's admissionWhitelistPatterns:`, 'yaml', [
        'admissionWhitelistPatterns:',
        ...patterns.map((p) => `- namePattern: ${p}`),
      ]);
    }
    case 'set-annotation':
      return withCode(`${lead}: set on ${subject}'s own metadata:`, 'yaml', ['metadata:', '  annotations:', `    ${fix.key}: ${fix.value}`]);
    case 'set-field':
      return withCode(`${lead}: set in ${subject}:`, 'yaml', [`${fix.path}: ${JSON.stringify(fix.value)}`]);
    case 'remove-annotation':
      return `${lead}: remove the ${code(fix.key)} annotation.`;
    case 'pin-digest':
      return `${lead}: pin ${code(fix.image)} by digest (IMAGE@sha256:…).`;
    case 'attest': {
      const attestors = 'attestor' in fix ? [fix.attestor] : fix.attestors;
      const images = 'image' in fix ? [fix.image] : fix.images;
      const commands = attestors.flatMap((a) => images.map((i) => `binauthz-gate attest --attestor ${a} --kms-key-version KEY_VERSION ${i}`));
      return withCode(`${lead}: attest the digest:`, 'sh', commands);
    }
    case 'use-registry':
      return `${lead}: ${prose(fix.hint)}`;
  }
}

/**
 * Text to paste goes in a fenced code block, where nothing is interpreted and so nothing needs
 * escaping, only if every line is made of the characters image references, patterns, resource
 * names and YAML need: no backtick or tilde can close the fence, no `<` start a tag. Anything else
 * is shown escaped, in inline code.
 */
const PASTABLE = /^[A-Za-z0-9 ._:@/*+=,{}"-]*$/;

function withCode(sentence: string, language: string, lines: readonly string[]): string {
  const cleaned = lines.map((line) => clean(line));
  if (!cleaned.every((line) => PASTABLE.test(line) && line.length <= 1000)) return `${sentence} ${cleaned.map(code).join(' ')}`;
  return [sentence, '', `\`\`\`${language}`, ...cleaned, '```'].join('\n');
}

/** The part of a sentence before its "Fix: …" clause, for the one-line reason. */
function withoutFix(text: string): string {
  const at = text.indexOf(' Fix: ');
  return at >= 0 ? text.slice(0, at) : text;
}

/**
 * Our sentences quote names and commands in backticks: those become `<code>` (escaped inside),
 * the rest is escaped text, so no backtick is ever shown literally.
 */
function prose(text: string): string {
  const parts = text.split('`');
  if (parts.length % 2 === 0) return escapeMarkdown(text);
  return parts.map((part, i) => (i % 2 === 1 ? code(part) : escapeMarkdown(part))).join('');
}

/** Passing workloads' containers, folded: nothing to act on, short digests only. */
function passingContainers(title: string, workloads: readonly WorkloadResult[], links: Links): Block[] {
  const rows = workloads.flatMap((w) => w.containers.map((c) => row([escapeMarkdown(shorten(w.name, NAME_MAX)), containerRow(w, c, links).slice(2, -2)])));
  if (rows.length === 0) return [];
  return [
    {
      open: [
        // Only our own words in <summary>: it is raw HTML, where Markdown escapes do not apply.
        `<details><summary>Containers of the passing ${title.toLowerCase()} (${rows.length})</summary>`,
        '',
        '| workload | container | image | decision |',
        '|---|---|---|---|',
      ],
      rows,
      close: ['', '</details>'],
      expendable: true,
    },
  ];
}

/** `repository@sha256:` and 12 hex digits; a long repository keeps its start and its end. */
function shortImage(image: string): string {
  const match = /^(.*)@(sha256:[0-9a-f]{12})[0-9a-f]{52}$/.exec(image);
  const name = match?.[1] ?? image;
  const digest = match?.[2] === undefined ? '' : `@${match[2]}`;
  const room = IMAGE_MAX - digest.length;
  const shortName = name.length <= room ? name : `${name.slice(0, 24)}…${name.slice(name.length - (room - 25))}`;
  return `${shortName}${digest}`;
}

/** At most `max` characters, whole code points, an ellipsis when cut. */
function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function lineOf(line: number | null): number | null {
  return line !== null && line >= 1 ? line : null;
}

function fileText(file: string, line: number | null): string {
  const at = lineOf(line);
  return escapeMarkdown(at === null ? file : `${file}:${at}`);
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
      rows: notes.map((note) => `- ${code(note.field)}${note.line === null ? '' : ` (line ${note.line})`}: ${prose(note.message)}`),
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
  const at = lineOf(line);
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
