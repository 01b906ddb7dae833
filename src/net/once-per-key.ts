// A question asked at most once per key: later calls with the same key share the first call's
// promise, its answer or its failure, even while it is still in flight.

export function oncePerKey<Args extends readonly unknown[], Answer>(
  keyOf: (...args: Args) => string,
  answer: (...args: Args) => Promise<Answer>,
): (...args: Args) => Promise<Answer> {
  const asked = new Map<string, Promise<Answer>>();
  return (...args) => {
    const key = keyOf(...args);
    let known = asked.get(key);
    if (known === undefined) {
      known = answer(...args);
      asked.set(key, known);
    }
    return known;
  };
}
