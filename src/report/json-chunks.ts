// JSON.stringify(value, null, 2), text for text, in pieces of one array element or one property
// each (to `depth` levels), so that a report of 50,000 workloads is written without first being held
// as one text of tens of megabytes (and again as the bytes written). Each piece is a whole JSON value
// or punctuation: a string is never split across pieces, so a secret in one is redacted in one.

const INDENT = '  ';

export function* jsonChunks(value: unknown, depth = 2, indent = ''): Generator<string> {
  if (depth <= 0 || !isPlainContainer(value)) {
    yield (JSON.stringify(value, null, INDENT) ?? 'null').replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = indent + INDENT;
  const entries: [string | null, unknown][] = Array.isArray(value)
    ? Array.from(value, (item) => [null, item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item])
    : Object.entries(value).filter(([, child]) => child !== undefined && typeof child !== 'function' && typeof child !== 'symbol');
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    yield `${open}${close}`;
    return;
  }
  yield `${open}\n`;
  for (const [index, [key, child]] of entries.entries()) {
    yield `${index === 0 ? '' : ',\n'}${inner}${key === null ? '' : `${JSON.stringify(key)}: `}`;
    yield* jsonChunks(child, depth - 1, inner);
  }
  yield `\n${indent}${close}`;
}

/** An array or plain object that JSON.stringify writes member by member (no toJSON of its own). */
function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The pieces joined into texts of about `size` characters, never splitting a piece: a report is
 * written in a few dozen writes, not one per value, and each text is still small.
 */
export function* joinedPieces(pieces: Iterable<string>, size = 64 * 1024): Generator<string> {
  let parts: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    parts.push(piece);
    length += piece.length;
    if (length >= size) {
      yield parts.join('');
      parts = [];
      length = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
}
