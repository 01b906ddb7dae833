import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCallRunner } from '../../src/net/call-runner.ts';
import { createLimiter } from '../../src/net/limiter.ts';
import { DeadlineError, parseRetryAfter, withRetry, classifyHttpFailure, defaultRetryPolicy } from '../../src/net/retry.ts';

const retryable = () => ({ retryable: true as const, retryAfterMs: null });
const fatal = () => ({ retryable: false as const });
const fast = { baseDelayMs: 1, maxDelayMs: 5 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLimiter', () => {
  it('never runs more than the bound at once, and runs everything', async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let highest = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          active++;
          highest = Math.max(highest, active);
          await sleep(5);
          active--;
          return i;
        }),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(highest, 3);
    assert.equal(limiter.peak(), 3);
  });
  it('rejects a nonsense bound', () => assert.throws(() => createLimiter(0), /at least 1/));
});

describe('withRetry', () => {
  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const value = await withRetry('t', async () => (++calls < 3 ? Promise.reject(new Error('503')) : 'ok'), retryable, {
      ...defaultRetryPolicy(Date.now() + 5000),
      ...fast,
    });
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
  });
  it('does not retry a permanent failure', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry('t', async () => Promise.reject(new Error(`403 ${++calls}`)), fatal, { ...defaultRetryPolicy(Date.now() + 5000), ...fast }),
      /403 1/,
    );
    assert.equal(calls, 1);
  });
  it('waits at least what Retry-After asks', async () => {
    const waits: number[] = [];
    let calls = 0;
    const policy = { ...defaultRetryPolicy(Date.now() + 60_000), ...fast, sleep: async (ms: number) => void waits.push(ms) };
    await withRetry(
      't',
      async () => (++calls < 2 ? Promise.reject(new Error('429')) : 'ok'),
      () => ({ retryable: true, retryAfterMs: 2000 }),
      policy,
    );
    assert.deepEqual(waits, [2000]);
  });
  it('backs off exponentially with full jitter', async () => {
    const waits: number[] = [];
    const policy = {
      ...defaultRetryPolicy(Date.now() + 60_000),
      baseDelayMs: 100,
      maxDelayMs: 1000,
      maxAttempts: 6,
      random: () => 0.999,
      sleep: async (ms: number) => void waits.push(ms),
    };
    await assert.rejects(withRetry('t', async () => Promise.reject(new Error('503')), retryable, policy));
    assert.deepEqual(waits, [99, 199, 399, 799, 999]);
  });
  it('stops at the deadline with an error naming the call', async () => {
    const started = Date.now();
    const policy = { ...defaultRetryPolicy(Date.now() + 200), baseDelayMs: 50, maxDelayMs: 50, maxAttempts: 100 };
    await assert.rejects(
      withRetry('Binary Authorization: get policy', async () => Promise.reject(new Error('503')), retryable, policy),
      (error: unknown) => {
        assert.ok(error instanceof DeadlineError);
        assert.match(error.message, /Binary Authorization: get policy: no answer within the time limit/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 1000);
  });
});

describe('parseRetryAfter and classifyHttpFailure', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3', 0), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon', 0), null);
    assert.equal(parseRetryAfter(null, 0), null);
  });
  it('retries 429, 5xx and dropped connections only', () => {
    assert.deepEqual(classifyHttpFailure(429, null, '1', 0), { retryable: true, retryAfterMs: 1000 });
    assert.equal(classifyHttpFailure(503, null, null, 0).retryable, true);
    assert.equal(classifyHttpFailure(403, null, null, 0).retryable, false);
    assert.equal(classifyHttpFailure(404, null, null, 0).retryable, false);
    assert.equal(classifyHttpFailure(null, 'ECONNRESET', null, 0).retryable, true);
    assert.equal(classifyHttpFailure(null, 'ENOTFOUND', null, 0).retryable, false);
  });
});

describe('createCallRunner', () => {
  it('asks each question once, even when callers ask at the same time', async () => {
    const runner = createCallRunner({ concurrency: 2, deadline: Date.now() + 5000, retry: fast });
    let sent = 0;
    const ask = () => runner.run('same', 'q', async () => (sent++, await sleep(10), 'answer'), retryable);
    assert.deepEqual(await Promise.all([ask(), ask(), ask()]), ['answer', 'answer', 'answer']);
    assert.equal(sent, 1);
    assert.deepEqual(runner.stats(), { attempts: 1, questions: 1, peakInFlight: 1 });
  });
  it('aborts an attempt that hangs past the deadline and fails closed', async () => {
    const runner = createCallRunner({ concurrency: 2, deadline: Date.now() + 150, retry: fast });
    let aborted = false;
    const hang = (_ms: number, signal: AbortSignal) =>
      new Promise<string>(() => {
        signal.addEventListener('abort', () => (aborted = true));
      });
    await assert.rejects(runner.run('hang', 'Container Analysis: list', hang, retryable), /Container Analysis: list: no answer within the time limit/);
    assert.ok(aborted, 'the hung attempt was aborted');
  });
});
