// What keeps a run's decisions small: a report of 50,000 workloads is held until it is printed,
// and most of what it says repeats (a few hundred details and summaries, empty lists).

/** The one empty list every decision shares (frozen: a result is never changed after it is made). */
export const NONE: readonly never[] = Object.freeze([]);

/** `list`, or the shared empty list when it has nothing. */
export function listOrNone<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : list;
}

/** Gives back one instance of each distinct text it is shown, so repeated texts are held once. */
export type Interner = (text: string) => string;

export function createInterner(): Interner {
  const seen = new Map<string, string>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    seen.set(text, text);
    return text;
  };
}

/** Holds nothing: for a single evaluation, where nothing repeats. */
export const NO_INTERNING: Interner = (text) => text;
