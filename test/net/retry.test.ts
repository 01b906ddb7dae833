// The retry loop's edges, on a clock the test drives: what is retried, and that no attempt or
// wait can start past the deadline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCallRunner } from '../../src/net/call-runner.ts';
import { DeadlineError, classifyHttpFailure, defaultRetryPolicy, withRetry, type AttemptFailure, type RetryPolicy } from '../../src/net/retry.ts';
import { classifyApiFailure } from '../../src/gcp/api-failure.ts';

/** A policy on a fake clock: sleeping moves the clock, nothing really waits. */
function fakeClock(deadlineMs: number, overrides: Partial<RetryPolicy> = {}) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const policy: RetryPolicy = {
    ...defaultRetryPolicy(now + deadlineMs),
    random: () => 0.5,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    ...overrides,
  };
  return { policy, sleeps, advance: (ms: number) => (now += ms) };
}

const retryable =
  (retryAfterMs: number | null = null): (() => AttemptFailure) =>
  () => ({ retryable: true, retryAfterMs });

describe('classifyHttpFailure', () => {
  it('does not retry a failure with neither a status nor a network code', () => {
    assert.deepEqual(classifyHttpFailure(null, null, null, 0), { retryable: false });
    assert.deepEqual(classifyHttpFailure(null, 'BODY_TOO_LARGE', null, 0), { retryable: false });
    assert.deepEqual(classifyHttpFailure(null, 'ERR_INVALID_URL', null, 0), { retryable: false });
  });
  it('retries network errors and timeouts', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'EAI_AGAIN', 'AbortError', 'TimeoutError']) {
      assert.deepEqual(classifyHttpFailure(null, code, null, 0), { retryable: true, retryAfterMs: null }, code);
    }
  });
  it('does not retry 400, 401, 403, 404 or 409', () => {
    for (const status of [400, 401, 403, 404, 409]) assert.deepEqual(classifyHttpFailure(status, 'ECONNRESET', null, 0), { retryable: false }, String(status));
  });
});

describe('classifyApiFailure', () => {
  it('finds the network code down the cause chain (gaxios wraps fetch, which wraps the socket)', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const wrapped = new Error('request failed', { cause: new TypeError('fetch failed', { cause: socket }) });
    assert.equal(classifyApiFailure(wrapped).retryable, true);
    assert.equal(classifyApiFailure(new Error('a bug, or a malformed answer')).retryable, false);
  });
  it('retries an abort whose DOMException carries only a name', () => {
    assert.equal(classifyApiFailure(new Error('aborted', { cause: new DOMException('x', 'AbortError') })).retryable, true);
  });
});

describe('withRetry on a driven clock', () => {
  it('does not retry a 400', async () => {
    const { policy } = fakeClock(60_000);
    let calls = 0;
    const error = Object.assign(new Error('HTTP 400'), { status: 400 });
    await assert.rejects(
      withRetry(
        't',
        async () => (calls++, Promise.reject(error)),
        (e) => classifyHttpFailure((e as { status: number }).status, null, null, 0),
        policy,
      ),
      /HTTP 400/,
    );
    assert.equal(calls, 1);
  });

  it('gives up before a wait that would pass the deadline, without waiting', async () => {
    const { policy, sleeps } = fakeClock(5_000);
    let calls = 0;
    await assert.rejects(
      withRetry('Binary Authorization: get policy', async () => (calls++, Promise.reject(new Error('429'))), retryable(10_000), policy),
      (error: unknown) => error instanceof DeadlineError && /no answer within the time limit/.test(error.message) && error.failures.length === 1,
    );
    assert.equal(calls, 1);
    assert.deepEqual(sleeps, [], 'the 10 s Retry-After was not slept: it ends past the 5 s deadline');
  });

  it('checks the deadline before each attempt', async () => {
    const clock = fakeClock(1_000);
    let calls = 0;
    // The attempt itself uses up the time; the next one must not start.
    const attempt = async () => {
      calls++;
      clock.advance(1_000);
      throw new Error('503');
    };
    await assert.rejects(withRetry('t', attempt, retryable(0), clock.policy), DeadlineError);
    assert.equal(calls, 1);
    const late = fakeClock(0);
    let started = false;
    await assert.rejects(
      withRetry('t', async () => ((started = true), 'x'), retryable(), late.policy),
      DeadlineError,
    );
    assert.equal(started, false, 'no attempt starts at or past the deadline');
  });

  it('gives each attempt the time left, never more', async () => {
    const clock = fakeClock(3_000);
    const given: number[] = [];
    let calls = 0;
    await withRetry(
      't',
      async (remaining) => {
        given.push(remaining);
        clock.advance(1_000);
        if (++calls < 2) throw new Error('503');
        return 'ok';
      },
      retryable(500),
      clock.policy,
    );
    assert.deepEqual(given, [3_000, 1_500]);
  });
});

describe('createCallRunner', () => {
  it('does not send a call that waited for its slot past the deadline', async () => {
    const runner = createCallRunner({ concurrency: 1, deadline: Date.now() + 100, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    let sent = 0;
    const hang = (_ms: number, signal: AbortSignal) =>
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    const queued = async () => (sent++, 'answer');
    const results = await Promise.allSettled([runner.run('a', 'hung', hang, retryable()), runner.run('b', 'queued', queued, retryable())]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(sent, 0, 'the queued call was never sent');
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof DeadlineError);
  });
});
