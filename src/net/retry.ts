// Retries transient failures (429, 5xx, dropped connections, per-attempt timeouts) with
// exponential backoff and full jitter, honouring Retry-After, inside one total deadline.
import { RemoteFailure } from '../errors.ts';

export interface RetryPolicy {
  /** Epoch milliseconds by which everything must be done. */
  readonly deadline: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** What one failed attempt tells the retry loop. */
export type AttemptFailure = { readonly retryable: true; readonly retryAfterMs: number | null } | { readonly retryable: false };

export class DeadlineError extends RemoteFailure {
  override readonly name: string = 'DeadlineError';
  readonly label: string;
  /** Every failed attempt, oldest first; the last one is also the cause. */
  readonly failures: readonly unknown[];
  constructor(label: string, failures: readonly unknown[]) {
    super(`${label}: no answer within the time limit (timeout)`, { cause: failures.at(-1) });
    this.label = label;
    this.failures = failures;
  }
}

export function defaultRetryPolicy(deadline: number): RetryPolicy {
  return {
    deadline,
    baseDelayMs: 250,
    maxDelayMs: 8_000,
    maxAttempts: 6,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
  };
}

/**
 * Calls `attempt(remainingMs)` until it succeeds, fails for good, or the deadline leaves no
 * room for another try. The last error is rethrown (a DeadlineError when time ran out).
 */
export async function withRetry<T>(
  label: string,
  attempt: (remainingMs: number) => Promise<T>,
  classify: (error: unknown) => AttemptFailure,
  policy: RetryPolicy,
): Promise<T> {
  const failures: unknown[] = [];
  for (let tries = 1; ; tries++) {
    const remaining = policy.deadline - policy.now();
    if (remaining <= 0) throw new DeadlineError(label, failures);
    try {
      return await attempt(remaining);
    } catch (error) {
      failures.push(error);
      const failure = classify(error);
      if (!failure.retryable || tries >= policy.maxAttempts) {
        if (failure.retryable && policy.deadline - policy.now() <= 0) throw new DeadlineError(label, failures);
        throw error;
      }
      const wait = backoff(tries, failure.retryAfterMs, policy);
      if (policy.now() + wait >= policy.deadline) throw new DeadlineError(label, failures);
      await policy.sleep(wait);
    }
  }
}

/** Full jitter (AWS architecture blog): random in [0, min(max, base·2^n)]; Retry-After wins when longer. */
function backoff(tries: number, retryAfterMs: number | null, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (tries - 1));
  const jittered = Math.floor(policy.random() * ceiling);
  return retryAfterMs !== null ? Math.max(retryAfterMs, jittered) : jittered;
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse takes bare numbers ('-5') as years; an HTTP-date always names its weekday and month.
  if (!/[A-Za-z]/.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Network failures: the request may not have arrived, or its answer was lost on the way. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'AbortError',
  'TimeoutError',
]);

/**
 * Classifies an HTTP outcome: a status (null when no response came) and the error's code. A failure
 * with neither a status nor a network code (a malformed answer, a body over its limit, a bug) is not
 * retried: asking again would get the same answer, or hide the bug until the deadline.
 */
export function classifyHttpFailure(status: number | null, code: string | null, retryAfter: string | null, now: number): AttemptFailure {
  if (status !== null) return RETRYABLE_STATUS.has(status) ? { retryable: true, retryAfterMs: parseRetryAfter(retryAfter, now) } : { retryable: false };
  return code !== null && RETRYABLE_CODES.has(code) ? { retryable: true, retryAfterMs: null } : { retryable: false };
}
