import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkReason } from '../../src/registry/http-request.ts';
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
