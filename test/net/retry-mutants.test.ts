// The retry loop on a fake clock: what is retried, and that no attempt starts and no wait is begun
// that the deadline does not leave room for. Each test is one a looser loop would fail (a retry
// of a permanent failure, a sleep past the deadline, an attempt after it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyHttpFailure, DeadlineError, withRetry, type AttemptFailure, type RetryPolicy } from '../../src/net/retry.ts';

interface FakeClock {
  readonly policy: RetryPolicy;
  readonly sleeps: number[];
  /** The clock when each sleep ended. */
  readonly wakes: number[];
  /** Moves the clock, as time spent inside an attempt. */
  advance(ms: number): void;
}

/** A policy on a clock that only moves when told to or when the loop sleeps (by `sleep` times `oversleep`). */
function fakeClock(deadlineIn: number, overrides: Partial<RetryPolicy> = {}, oversleep = 1): FakeClock {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const wakes: number[] = [];
  const policy: RetryPolicy = {
    deadline: now + deadlineIn,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    maxAttempts: 6,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms * oversleep;
      wakes.push(now);
    },
    random: () => 0.5,
    ...overrides,
  };
  return { policy, sleeps, wakes, advance: (ms) => void (now += ms) };
}

const transient = (): AttemptFailure => ({ retryable: true, retryAfterMs: null });
const failing =
  (attempts: { count: number }, spend = 0, clock?: FakeClock) =>
  async (): Promise<never> => {
    attempts.count++;
    clock?.advance(spend);
    throw new Error(`503 #${attempts.count}`);
  };

describe('classifyHttpFailure', () => {
  it('does not retry 400 or any other client error but 408 and 429', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 412, 413, 422]) {
      assert.deepEqual(classifyHttpFailure(status, null, null, 0), { retryable: false }, `HTTP ${status}`);
      assert.deepEqual(classifyHttpFailure(status, 'ECONNRESET', '1', 0), { retryable: false }, `HTTP ${status} with a network code`);
    }
  });

  it('retries 408, 429 and the transient 5xx, with their Retry-After', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      assert.deepEqual(classifyHttpFailure(status, null, '2', 0), { retryable: true, retryAfterMs: 2000 }, `HTTP ${status}`);
      assert.deepEqual(classifyHttpFailure(status, null, null, 0), { retryable: true, retryAfterMs: null }, `HTTP ${status}`);
    }
    assert.deepEqual(classifyHttpFailure(501, null, null, 0), { retryable: false });
  });

  it('retries a failure without status only when its code says the connection failed', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']) {
      assert.deepEqual(classifyHttpFailure(null, code, null, 0), { retryable: true, retryAfterMs: null }, code);
    }
    // Asking again gets the same answer: a name that does not resolve, a certificate that does not verify.
    for (const code of ['ENOTFOUND', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_INVALID_URL']) {
      assert.deepEqual(classifyHttpFailure(null, code, null, 0), { retryable: false }, code);
    }
  });
});

describe('withRetry on a fake clock', () => {
  it('attempts a permanent failure once', async () => {
    const clock = fakeClock(60_000);
    const attempts = { count: 0 };
    await assert.rejects(
      withRetry('t', failing(attempts), () => ({ retryable: false }), clock.policy),
      /503 #1/,
    );
    assert.equal(attempts.count, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('does not attempt at all once the deadline has come', async () => {
    for (const deadlineIn of [0, -1, -60_000]) {
      const clock = fakeClock(deadlineIn);
      const attempts = { count: 0 };
      await assert.rejects(withRetry('t', failing(attempts), transient, clock.policy), DeadlineError);
      assert.equal(attempts.count, 0, `deadline in ${deadlineIn} ms`);
    }
  });

  it('hands each attempt the time left, never zero or less', async () => {
    const clock = fakeClock(1_000);
    const given: number[] = [];
    await assert.rejects(
      withRetry(
        't',
        async (remaining) => {
          given.push(remaining);
          clock.advance(300);
          throw new Error('503');
        },
        transient,
        clock.policy,
      ),
      DeadlineError,
    );
    assert.ok(given.length >= 2, `retried: ${JSON.stringify(given)}`);
    assert.equal(given[0], 1_000);
    assert.ok(
      given.every((ms) => ms > 0),
      JSON.stringify(given),
    );
  });

  it('gives up instead of starting a wait that would end past the deadline', async () => {
    // Retry-After asks for 5 s; 2 s are left: sleeping would only end in a DeadlineError later.
    const clock = fakeClock(2_000);
    const attempts = { count: 0 };
    await assert.rejects(
      withRetry('t', failing(attempts), () => ({ retryable: true, retryAfterMs: 5_000 }), clock.policy),
      DeadlineError,
    );
    assert.equal(attempts.count, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('gives up when the wait would end exactly at the deadline', async () => {
    const clock = fakeClock(1_000);
    const attempts = { count: 0 };
    await assert.rejects(
      withRetry('t', failing(attempts), () => ({ retryable: true, retryAfterMs: 1_000 }), clock.policy),
      DeadlineError,
    );
    assert.equal(attempts.count, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('never sleeps past the deadline, whatever the attempts cost', async () => {
    for (const spend of [0, 50, 299, 700]) {
      const clock = fakeClock(1_000, { maxAttempts: 100 });
      const attempts = { count: 0 };
      await assert.rejects(withRetry('t', failing(attempts, spend, clock), transient, clock.policy), DeadlineError);
      assert.ok(
        clock.wakes.every((at) => at < clock.policy.deadline),
        `spend ${spend}: a sleep ended at ${JSON.stringify(clock.wakes)}`,
      );
      assert.ok(attempts.count >= 2, `spend ${spend}: it retried at all`);
    }
  });

  it('does not start another attempt when a wait overran the deadline', async () => {
    // Timers fire late under load: each sleep takes three times what it asked.
    const clock = fakeClock(1_000, { maxAttempts: 100 }, 3);
    const attempts = { count: 0 };
    const startedAt: number[] = [];
    await assert.rejects(
      withRetry(
        't',
        async () => {
          startedAt.push(clock.policy.now());
          return failing(attempts)();
        },
        transient,
        clock.policy,
      ),
      DeadlineError,
    );
    assert.ok(startedAt.length >= 2, `it retried at all: ${JSON.stringify(startedAt)}`);
    assert.ok(
      startedAt.every((at) => at < clock.policy.deadline),
      `an attempt started at or after the deadline: ${JSON.stringify(startedAt)}`,
    );
  });

  it('a DeadlineError carries every failure, the last as its cause', async () => {
    const clock = fakeClock(1_000, { maxAttempts: 100 });
    const attempts = { count: 0 };
    await assert.rejects(withRetry('Binary Authorization: get policy', failing(attempts, 200, clock), transient, clock.policy), (error: unknown) => {
      assert.ok(error instanceof DeadlineError);
      assert.equal(error.failures.length, attempts.count);
      assert.equal(error.cause, error.failures.at(-1));
      assert.match(error.message, /^Binary Authorization: get policy: /);
      return true;
    });
  });

  it('stops after maxAttempts', async () => {
    const clock = fakeClock(3_600_000, { maxAttempts: 3 });
    const attempts = { count: 0 };
    await assert.rejects(withRetry('t', failing(attempts), transient, clock.policy), /503 #3/);
    assert.equal(attempts.count, 3);
    assert.equal(clock.sleeps.length, 2);
  });
});
