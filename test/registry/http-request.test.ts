import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MANIFEST_BYTES, RegistryRequestError, networkReason, sendRequest } from '../../src/registry/http-request.ts';
import { startFakeRegistry, type FakeRegistry } from '../helpers/fake-registry.ts';
import { parseRetryAfter as retryAfterMs } from '../../src/net/retry.ts';

describe('Retry-After, as the registry reads it', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(retryAfterMs('7', now), 7000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
  });

  it('reads an HTTP-date, never below zero', () => {
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
  });

  it('is null when absent or unreadable', () => {
    assert.equal(retryAfterMs(null, now), null);
    assert.equal(retryAfterMs('', now), null);
    assert.equal(retryAfterMs('soon', now), null);
    assert.equal(retryAfterMs('-5', now), null);
  });
});

describe('networkReason', () => {
  it('digs the system error out of fetch\'s "fetch failed"', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    assert.equal(networkReason(new TypeError('fetch failed', { cause })), 'connect ECONNREFUSED 127.0.0.1:5000');
  });

  it('adds the code when the message lacks it', () => {
    const cause = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    assert.equal(networkReason(new TypeError('fetch failed', { cause })), 'CERT_HAS_EXPIRED: certificate has expired');
  });

  it('falls back to the error itself', () => {
    assert.equal(networkReason(new Error('bad port')), 'bad port');
    assert.equal(networkReason('plain'), 'plain');
  });
});

describe('sendRequest against hostile answers', () => {
  let registry: FakeRegistry;
  before(async () => {
    registry = await startFakeRegistry({
      fault: (r) => {
        if (r.path.startsWith('/endless')) return { status: 200, hostile: { kind: 'endless', bytes: 64 * 1024 * 1024 } };
        if (r.path.startsWith('/drip')) return { status: 200, hostile: { kind: 'drip', ms: 20 } };
        return null;
      },
    });
  });
  after(() => registry.close());
  const get = (path: string, readBody: number | null, signal?: AbortSignal) =>
    sendRequest((_label, attempt) => attempt(signal), 'GET', {
      method: 'GET',
      target: { url: `${registry.url}${path}`, host: 'registry.example.com', via: null },
      headers: {},
      readBody,
    });

  it('stops reading a body past its limit, and the failure is not worth a retry', async () => {
    const outcome = await get('/endless', MAX_MANIFEST_BYTES);
    assert.equal(outcome.ok, false);
    const error = (outcome as { error: unknown }).error;
    assert.ok(error instanceof RegistryRequestError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /registry\.example\.com answered HTTP 200 with a body over 4194304 bytes, more than binauthz-gate reads/);
  });

  it("ends a body that drips forever when the policy's signal aborts it", async () => {
    const started = Date.now();
    const outcome = await get('/drip', MAX_MANIFEST_BYTES, AbortSignal.timeout(200));
    assert.equal(outcome.ok, false);
    assert.ok(Date.now() - started < 1500, `ended after ${Date.now() - started} ms`);
    assert.match(String((outcome as { error: Error }).error.message), /broke off/);
  });

  it('does not read a body it does not use', async () => {
    const outcome = await get('/endless', null);
    assert.equal(outcome.ok, true);
    assert.equal((outcome as { response: { body: unknown } }).response.body, null);
  });
});
