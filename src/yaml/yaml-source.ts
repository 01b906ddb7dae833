// Parses YAML (and JSON, a subset of YAML 1.2) into plain values while keeping, for every
// document, a way to ask on which line a value sits. Hostile input is bounded here: alias
// bombs, deep nesting, binary bytes and duplicate keys become problems with a line, never
// a crash or a silent pass.
import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, isSeq, type Document } from 'yaml';

export type Path = readonly (string | number)[];

export interface SourceProblem {
  readonly line: number | null;
  readonly message: string;
}

export interface YamlDocument {
  readonly value: unknown;
  /** 1-based line of the document's first content. */
  readonly line: number;
  /** 1-based line of the value at `path`, or of its nearest ancestor that exists. */
  lineOf(path: Path): number;
}

export type ParsedSource =
  | { readonly ok: true; readonly documents: readonly YamlDocument[] }
  | { readonly ok: false; readonly problems: readonly SourceProblem[] };

/** Expanding more aliases than this is treated as a "billion laughs" attack. */
const MAX_ALIASES = 200;

export function parseYamlSource(text: string): ParsedSource {
  const binary = describeBinary(text);
  if (binary) return { ok: false, problems: [{ line: null, message: binary }] };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(stripBom(text), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'silent',
  });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems: SourceProblem[] = [];
  const documents: YamlDocument[] = [];
  for (const doc of list) {
    const parsed = toDocument(doc, lineCounter);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else if (parsed.document) documents.push(parsed.document);
  }
  return problems.length > 0 ? { ok: false, problems: firstProblems(problems) } : { ok: true, documents };
}

/** After the first syntax error a YAML parser reports a cascade; the first few say it all. */
const MAX_PROBLEMS = 3;

function firstProblems(problems: SourceProblem[]): SourceProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const rest = problems.length - MAX_PROBLEMS;
  const last = problems[MAX_PROBLEMS - 1] as SourceProblem;
  return [...problems.slice(0, MAX_PROBLEMS - 1), { line: last.line, message: `${last.message} (and ${rest} more YAML error(s) that follow from these)` }];
}

function toDocument(
  doc: Document.Parsed,
  lines: LineCounter,
): { problems: SourceProblem[] } | { document: YamlDocument | null } {
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ line: lineAt(e.pos[0]), message: yamlMessage(e.code, e.message) })) };
  }
  if (doc.contents === null) return { document: null };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { problems: [{ line: lineAt(doc.contents.range[0]), message: conversionMessage(error) }] };
  }
  if (value === null || value === undefined) return { document: null };
  const line = lineAt(doc.contents.range[0]);
  return {
    document: {
      value,
      line,
      lineOf: (path) => lineOfPath(doc, path, lineAt) ?? line,
    },
  };
}

/** Walks the node tree; a mapping entry answers with its key's line, where a reader looks. */
function lineOfPath(doc: Document.Parsed, path: Path, lineAt: (offset: number) => number): number | null {
  let node: unknown = doc.contents;
  let line = isNode(node) && node.range ? lineAt(node.range[0]) : null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) line = lineAt(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!isNode(node) || !node.range) break;
      line = lineAt(node.range[0]);
    } else {
      break;
    }
  }
  return line;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'RESOURCE_EXHAUSTION') return `invalid YAML: nesting is too deep to read safely (${first})`;
  if (code === 'DUPLICATE_KEY') return `invalid YAML: duplicate key (${first})`;
  return `invalid YAML: ${first}`;
}

function conversionMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/alias count/i.test(text)) {
    return `YAML aliases expand beyond ${MAX_ALIASES} references (an alias bomb?): refusing to expand it`;
  }
  if (error instanceof RangeError) return 'YAML is nested too deeply to read safely';
  return `YAML could not be converted: ${text}`;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A file with NUL bytes is not a manifest, whatever its name says. */
function describeBinary(text: string): string | null {
  return text.includes('\u0000') ? 'not a text file (it contains NUL bytes): is it compressed or binary?' : null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes file bytes; undecodable UTF-8 is a problem, not replacement characters. */
export function decodeText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; problem: string } {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch {
    return { ok: false, problem: 'not valid UTF-8 text: is it compressed or binary?' };
  }
}
