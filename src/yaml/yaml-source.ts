// Parses YAML (and JSON, a subset of YAML 1.2) into plain values while keeping, for every
// document, a way to ask on which line a value sits. Hostile input is bounded here: alias
// bombs, deep nesting, binary bytes and duplicate keys become problems with a line, never
// a crash or a silent pass.
import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, isSeq, type Document, type ErrorCode } from 'yaml';
import { jsonProblem } from './json-problem.ts';
import { messageOf } from '../errors.ts';

export type Path = readonly (string | number)[];

export interface SourceProblem {
  readonly line: number | null;
  /** 1-based column, when the parser knows it. */
  readonly column?: number | null;
  /** A fixed sentence with line and column: never the text of the file, which may be anything (a symlinked secret). */
  readonly message: string;
}

export interface SourceOptions {
  /** The file is JSON (by its name): a syntax error is described as a JSON error, with JSON.parse's position. */
  readonly json?: boolean;
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

export function parseYamlSource(text: string, options: SourceOptions = {}): ParsedSource {
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
  // A .json file is JSON: what YAML would also accept (plain scalars, comments) is still an error.
  const json = options.json ? jsonProblem(stripBom(text)) : null;
  if (json) return { ok: false, problems: [json] };
  return problems.length === 0 ? { ok: true, documents } : { ok: false, problems: firstProblems(problems) };
}

/** After the first syntax error a YAML parser reports a cascade; the first few say it all. */
const MAX_PROBLEMS = 3;

function firstProblems(problems: SourceProblem[]): SourceProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const rest = problems.length - MAX_PROBLEMS;
  const last = problems[MAX_PROBLEMS - 1] as SourceProblem;
  return [...problems.slice(0, MAX_PROBLEMS - 1), { line: last.line, message: `${last.message} (and ${rest} more YAML error(s) that follow from these)` }];
}

function toDocument(doc: Document.Parsed, lines: LineCounter): { problems: SourceProblem[] } | { document: YamlDocument | null } {
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { line, column: col, message: `invalid YAML at line ${line}, column ${col}: ${yamlSentence(e.code)}` };
      }),
    };
  }
  if (doc.contents === null) return { document: null };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { problems: [{ line: lineAt(doc.contents.range[0]), message: conversionMessage(error) }] };
  }
  if (value === null || value === undefined) return { document: null };
  detachStrings(value);
  const line = lineAt(doc.contents.range[0]);
  return {
    document: {
      value,
      line,
      lineOf: (path) => lineOfPath(doc, path, lineAt) ?? line,
    },
  };
}

/** Strings at least this long are cut out of the text as V8 sliced strings, which keep the whole text alive. */
const SLICED_STRING_MIN_LENGTH = 13;

/**
 * Gives every string of a fresh toJS() value its own storage, in place. The parser cuts scalars out
 * of the file's text, and V8 keeps a cut-out string as a view of the whole text: one image name kept
 * by a workload would keep its file's text, and 50,000 manifests would be held whole to the end of
 * the run. Concatenating and slicing again flattens into a new string of the value alone.
 * A loop with its own stack (the value may be nested as deep as toJS allowed); aliases are shared
 * objects, visited once.
 */
function detachStrings(root: unknown): void {
  const detach = (text: string): string => (text.length < SLICED_STRING_MIN_LENGTH ? text : ` ${text}`.slice(1));
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (typeof item === 'string') value[index] = detach(item);
        else stack.push(item);
      });
    } else if (!(value instanceof Map || value instanceof Set)) {
      // Maps and sets are not produced for manifests (toJS makes plain objects): left as the parser made them.
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child === 'string') record[key] = detach(child);
        else stack.push(child);
      }
    }
  }
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

/**
 * What each of the `yaml` library's error codes means, in a fixed sentence. The library's own
 * messages quote the offending text, which is never shown: the file may be a symlinked secret.
 */
const YAML_SENTENCES: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'an alias refers to an anchor that is not defined before it',
  BAD_COLLECTION_TYPE: 'a tag names a collection type that does not fit this collection',
  BAD_DIRECTIVE: 'a directive (a line starting with %) is not valid',
  BAD_DQ_ESCAPE: 'a double-quoted string holds an invalid escape sequence',
  BAD_INDENT: 'the indentation is wrong (a line is indented more or less than its block)',
  BAD_PROP_ORDER: 'an anchor or tag is in the wrong place',
  BAD_SCALAR_START: 'a plain value starts with a character that is reserved (such as @ or `): quote it',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection is used as a key',
  BLOCK_IN_FLOW: 'a block collection (indented lines or "- ") appears inside [] or {}',
  DUPLICATE_KEY: 'duplicate key: a mapping has the same key twice',
  IMPOSSIBLE: 'the YAML parser reached a state it cannot handle',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  MISSING_CHAR: 'a closing character is missing (a quote, ], } or a ":" after a key)',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines (is a ":" missing, or a value not quoted?)',
  MULTIPLE_ANCHORS: 'a value has more than one anchor',
  MULTIPLE_DOCS: 'the text holds several documents where one was expected',
  MULTIPLE_TAGS: 'a value has more than one tag',
  NON_STRING_KEY: 'a key is not a string',
  RESOURCE_EXHAUSTION: 'nesting is too deep to read safely',
  TAB_AS_INDENT: 'a tab is used for indentation (YAML allows spaces only)',
  TAG_RESOLVE_FAILED: 'a tagged value cannot be read as its tag says',
  UNEXPECTED_TOKEN: 'a character or token is not allowed here (is a value missing quotes?)',
};

function yamlSentence(code: ErrorCode): string {
  return YAML_SENTENCES[code] ?? 'the text is not valid YAML';
}

function conversionMessage(error: unknown): string {
  const text = messageOf(error);
  if (/alias count/i.test(text)) {
    return `YAML aliases expand beyond ${MAX_ALIASES} references (an alias bomb?): refusing to expand it`;
  }
  if (error instanceof RangeError) return 'YAML is nested too deeply to read safely';
  return 'YAML could not be converted to plain values (an unsupported tag or key?)';
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
