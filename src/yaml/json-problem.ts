// Describes why a text is not JSON: line, column and a fixed sentence. JSON.parse's own message
// quotes the text around the error (V8: `Unexpected token 'x', "…" is not valid JSON`), and the
// text may be anything (a symlinked secret), so only its position and kind are kept.
import type { SourceProblem } from './yaml-source.ts';
import { messageOf } from '../errors.ts';

const SENTENCES: readonly (readonly [RegExp, string])[] = [
  [/Unexpected end/i, 'the text ends before the JSON value is complete'],
  [/Unterminated string/i, 'a string is not closed (a " is missing)'],
  [/Bad control character/i, 'a string holds a raw control character (a line break or tab must be escaped)'],
  [/Bad (escaped character|Unicode escape)/i, 'a string holds an invalid escape sequence'],
  [/Expected double-quoted property name/i, 'a property name in double quotes is expected (a trailing comma?)'],
  [/Expected property name/i, 'a property name in double quotes, or }, is expected'],
  [/Expected ':'/i, 'a ":" is expected after a property name'],
  [/Expected ',' or '}'/i, 'a "," or "}" is expected after a property value'],
  [/Expected ',' or ']'/i, 'a "," or "]" is expected after an array element'],
  [/non-whitespace character after JSON/i, 'there is more text after the JSON value'],
  [/number|exponent|minus/i, 'a number is malformed'],
  [/Unexpected token/i, 'a character is not allowed here (JSON needs double quotes, and has no comments or trailing commas)'],
];

/** Null when `text` is valid JSON; else where and what kind of problem, never the text. */
export function jsonProblem(text: string): SourceProblem | null {
  const error = parseError(text);
  if (error === null) return null;
  const offset = errorOffset(text, error);
  const { line, column } = lineAndColumn(text, offset);
  const sentence = SENTENCES.find(([pattern]) => pattern.test(error))?.[1] ?? 'the text is not valid JSON';
  return { line, column, message: `invalid JSON at line ${line}, column ${column}: ${sentence}` };
}

function parseError(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return messageOf(error);
  }
}

/** V8 names the position for most errors; for the rest, the shortest prefix that fails before its end. */
function errorOffset(text: string, message: string): number {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Math.min(Number(position), text.length);
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsBeforeEnd(text.slice(0, middle))) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

/** Whether a prefix already holds an error, as opposed to merely stopping early. */
function failsBeforeEnd(prefix: string): boolean {
  const message = parseError(prefix);
  if (message === null || /Unexpected end/i.test(message)) return false;
  const position = /at position (\d+)/.exec(message)?.[1];
  return position === undefined || Number(position) < prefix.length;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    start = index + 1;
  }
  return { line, column: offset - start + 1 };
}
