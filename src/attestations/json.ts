// Narrowing helpers for JSON read from gcloud output.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * gcloud prints one object, a list, or (REST) `{"<key>": [...]}`: each item is parsed by `parseItem`
 * (which records its own problems); anything else is one `shapeProblem`.
 */
export function parseList<T>(
  json: unknown,
  key: string,
  shapeProblem: string,
  parseItem: (item: unknown, index: number, problems: string[]) => T | undefined,
): { readonly items: T[]; readonly problems: string[] } {
  const problems: string[] = [];
  const list = Array.isArray(json) ? json : isObject(json) ? (Array.isArray(json[key]) ? json[key] : [json]) : undefined;
  if (list === undefined) return { items: [], problems: [shapeProblem] };
  const items: T[] = [];
  list.forEach((item, index) => {
    const parsed = parseItem(item, index, problems);
    if (parsed !== undefined) items.push(parsed);
  });
  return { items, problems };
}
