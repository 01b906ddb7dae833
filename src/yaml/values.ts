// Small, total accessors over values parsed from YAML or JSON, and the rule for what of such a
// value a message may show. Values come from files and answers nobody vouches for (a symlinked
// secret parses as YAML too), so messages describe a value by its type, never by its text; a key
// or name is shown only when it is identifier-shaped (NAME_SHAPE), and described otherwise.
import type { Path } from './yaml-source.ts';
import { messageOf } from '../errors.ts';

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function getPath(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = asRecord(current)?.[key];
    if (current === undefined) return undefined;
  }
  return current;
}

/** A field name, apiVersion, kind or enum value a message may name: short, and made of name characters only. */
const NAME_SHAPE = /^[A-Za-z0-9_./-]{1,64}$/;

/** The key (or kind, or apiVersion) itself when it is name-shaped, else a description that quotes nothing. */
export function nameOrDescription(text: string, what = 'key'): string {
  return NAME_SHAPE.test(text) ? text : `(a ${what} that is not a name)`;
}

/** An enum-shaped value (EVALUATION_MODE, ALWAYS_ALOW): upper case, digits and `_` only; no credential looks like it. */
const ENUM_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * A short description of a value for messages, by type only: `null`, `a list`, `a text`, `a number`;
 * a text is quoted only when it is enum-shaped (a misspelt mode), never otherwise.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value === '' ? 'an empty text' : ENUM_SHAPE.test(value) ? `"${value}"` : 'a text';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  return `a ${typeof value}`;
}

/**
 * For a text that should have been one of `allowed`: the allowed value it was surely meant to be
 * (same letters in another case, or one or two typos), so that a message can help without quoting it.
 */
export function closestAllowed(value: unknown, allowed: readonly string[]): string | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  const upper = value.trim().toUpperCase();
  return (
    allowed.find((candidate) => candidate.toUpperCase() === upper) ?? allowed.find((candidate) => editDistance(candidate.toUpperCase(), upper) <= 2) ?? null
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * A library's error message (node:crypto, OpenPGP.js) when it is a short plain sentence; such
 * messages name the failure, but one that could carry the input (quotes, line breaks, long) is
 * replaced by a generic word.
 */
export function libraryReason(error: unknown): string {
  const message = messageOf(error);
  return /^[A-Za-z0-9 :,.()_-]{1,120}$/.test(message) ? message : 'unreadable';
}
