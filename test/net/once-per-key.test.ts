import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oncePerKey } from '../../src/net/once-per-key.ts';

describe('oncePerKey', () => {
  it('asks once per key, sharing the promise while it is in flight and after', async () => {
    const asked: string[] = [];
    const double = oncePerKey(
      (n: number) => String(n),
      async (n: number) => (asked.push(String(n)), n * 2),
    );
    const first = double(1);
    assert.equal(double(1), first, 'the same promise while in flight');
    assert.deepEqual(await Promise.all([first, double(2), double(1)]), [2, 4, 2]);
    assert.equal(await double(2), 4);
    assert.deepEqual(asked, ['1', '2']);
  });

  it('shares a failure too: a failed question is not asked again', async () => {
    let calls = 0;
    const failing = oncePerKey(
      () => 'k',
      async () => {
        calls++;
        throw new Error('no');
      },
    );
    await assert.rejects(failing(), /no/);
    await assert.rejects(failing(), /no/);
    assert.equal(calls, 1);
  });
});
