// The fake Google's attest-race additions: DELETE of an occurrence, twins, and the create barrier.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeGoogle, FAKE_ACCESS_TOKEN, type FakeGoogle } from './helpers/fake-google.ts';

const BODY = JSON.stringify({
  kind: 'ATTESTATION',
  noteName: 'projects/p1/notes/n1',
  resourceUri: `gcr.io/p1/app@sha256:${'a'.repeat(64)}`,
  attestation: { serializedPayload: 'e30=', signatures: [] },
});

async function create(fake: FakeGoogle): Promise<{ name: string; createTime: string }> {
  const response = await fetch(`${fake.url}v1/projects/p1/occurrences`, {
    method: 'POST',
    body: BODY,
    headers: { authorization: `Bearer ${FAKE_ACCESS_TOKEN}`, 'content-type': 'application/json' },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as { name: string; createTime: string };
}

const names = (fake: FakeGoogle) => (fake.state.occurrences as { name: string }[]).map((o) => o.name);

describe('fake Google attest races', () => {
  it('deletes an occurrence once; a second delete is 404', async () => {
    const fake = await startFakeGoogle();
    try {
      const { name } = await create(fake);
      const first = await fetch(`${fake.url}v1/${name}`, { method: 'DELETE' });
      assert.deepEqual([first.status, await first.json()], [200, {}]);
      assert.deepEqual(names(fake), []);
      assert.equal((await fetch(`${fake.url}v1/${name}`, { method: 'DELETE' })).status, 404);
    } finally {
      await fake.close();
    }
  });

  it('stores an older or younger twin of each create', async () => {
    for (const twin of ['older', 'younger'] as const) {
      const fake = await startFakeGoogle({ race: { twin } });
      try {
        const created = await create(fake);
        const [, copy] = fake.state.occurrences as { name: string; createTime: string }[];
        assert.match(copy?.name ?? '', /^projects\/p1\/occurrences\/twin-/);
        const shift = Date.parse(copy?.createTime ?? '') - Date.parse(created.createTime);
        assert.equal(shift, twin === 'older' ? -1 : 1);
      } finally {
        await fake.close();
      }
    }
  });

  it('holds creates until the barrier fills, then stores and answers them all', async () => {
    const fake = await startFakeGoogle({ race: { barrier: 2 } });
    try {
      const first = create(fake);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(fake.state.occurrences.length, 0, 'the first create waits for the second');
      const [a, b] = await Promise.all([first, create(fake)]);
      assert.notEqual(a.name, b.name);
      assert.deepEqual(names(fake).sort(), [a.name, b.name].sort());
    } finally {
      await fake.close();
    }
  });
});
