// The order concurrent attest runs agree on: createTime to the nanosecond, as Google writes it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTimeOf } from '../src/run/attest.ts';

describe('createTimeOf', () => {
  it('keeps digits Date would drop, so two runs in one millisecond still order', () => {
    const a = createTimeOf({ createTime: '2026-12-01T20:11:43.123456789Z' });
    const b = createTimeOf({ createTime: '2026-12-01T20:11:43.123456790Z' });
    assert.ok(a !== null && b !== null && a < b);
    assert.equal(createTimeOf({ createTime: '2026-12-01T20:11:43Z' }), BigInt(Date.parse('2026-12-01T20:11:43Z')) * 1_000_000n);
    assert.equal(createTimeOf({ createTime: '2026-12-01T20:11:43.5Z' }), BigInt(Date.parse('2026-12-01T20:11:43Z')) * 1_000_000n + 500_000_000n);
  });

  it('reads offsets as the same instant', () => {
    assert.equal(createTimeOf({ createTime: '2026-12-01T21:11:43.1+01:00' }), createTimeOf({ createTime: '2026-12-01T20:11:43.100Z' }));
  });

  it('is null for anything that is not an RFC 3339 time, never a guess', () => {
    for (const value of [
      undefined,
      null,
      42,
      '',
      'yesterday',
      '2026-12-01',
      '2026-12-01T20:11:43',
      '2026-12-01T20:11:43.1234567891Z',
      '2026-13-45T99:99:99Z',
    ]) {
      assert.equal(createTimeOf({ createTime: value }), null, String(value));
    }
    assert.equal(createTimeOf(null), null);
    assert.equal(createTimeOf('2026-12-01T20:11:43Z'), null);
  });
});
