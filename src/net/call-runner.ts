// One policy for every remote call of a run: each distinct question is asked once (callers
// share the answer), at most `concurrency` are in flight, and transient failures are retried
// inside the run's deadline.
import { createLimiter } from './limiter.ts';
import { defaultRetryPolicy, withRetry, type AttemptFailure, type RetryPolicy } from './retry.ts';
import { RemoteFailure } from '../errors.ts';

export interface CallRunner {
  /**
   * Runs `attempt` under the run's policy. `key` identifies the question: a second call with
   * the same key gets the first call's answer (or failure) without asking again.
   */
  run<T>(key: string, label: string, attempt: Attempt<T>, classify: (error: unknown) => AttemptFailure): Promise<T>;
  /** Requests actually sent (attempts, retries included) and the most in flight at once. */
  stats(): { readonly attempts: number; readonly questions: number; readonly peakInFlight: number };
}

/** One try: it gets the time left and a signal that aborts when that time is up. */
export type Attempt<T> = (remainingMs: number, signal: AbortSignal) => Promise<T>;

export interface CallRunnerSettings {
  readonly concurrency: number;
  readonly deadline: number;
  readonly retry?: Partial<RetryPolicy>;
}

export function createCallRunner(settings: CallRunnerSettings): CallRunner {
  const limiter = createLimiter(settings.concurrency);
  const policy: RetryPolicy = { ...defaultRetryPolicy(settings.deadline), ...settings.retry };
  const answers = new Map<string, Promise<unknown>>();
  let attempts = 0;
  return {
    run<T>(key: string, label: string, attempt: Attempt<T>, classify: (error: unknown) => AttemptFailure): Promise<T> {
      const known = answers.get(key);
      if (known) return known as Promise<T>;
      const answer = withRetry(
        label,
        () =>
          limiter.run(() => {
            // A call that waited for its slot past the deadline is not sent at all.
            const left = policy.deadline - policy.now();
            if (left <= 0) return Promise.reject(timeoutError(0));
            attempts++;
            return withTimeLimit(attempt, left);
          }),
        classify,
        policy,
      );
      answers.set(key, answer);
      return answer;
    },
    stats: () => ({ attempts, questions: answers.size, peakInFlight: limiter.peak() }),
  };
}

/** A hung request must not hang the run: past its time the attempt fails as a timeout (retryable) and is aborted. */
export async function withTimeLimit<T>(attempt: Attempt<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = timeoutError(ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([attempt(ms, controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function timeoutError(ms: number): Error {
  return Object.assign(new RemoteFailure(`no answer within ${ms} ms`), { code: 'TimeoutError' });
}
