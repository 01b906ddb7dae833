// Runs at most `max` tasks at once; the rest wait in arrival order. Counts the peak so the
// benchmark can show the bound holds.
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  peak(): number;
}

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${max}`);
  let active = 0;
  let highest = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    active--;
    waiting.shift()?.();
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      active++;
      highest = Math.max(highest, active);
      try {
        return await task();
      } finally {
        release();
      }
    },
    peak: () => highest,
  };
}
