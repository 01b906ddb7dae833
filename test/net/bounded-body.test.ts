// Bodies read by bytes actually read, not by what Content-Length claims.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyTooLargeError, readLimitedBody } from '../../src/net/bounded-body.ts';

/** A body of `chunks` chunks of `size` bytes; counts how many were pulled and whether it was cancelled. */
function streamed(chunks: number, size: number, headers: Record<string, string> = {}) {
  const seen = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled === chunks) return controller.close();
      seen.pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { response: new Response(body, { headers }), seen };
}

describe('readLimitedBody', () => {
  it('reads a body within the limit whole', async () => {
    const { response } = streamed(3, 10);
    assert.equal((await readLimitedBody(response, 30)).length, 30);
  });
  it('stops one chunk past the limit, however long the body, and cancels it', async () => {
    const { response, seen } = streamed(1_000_000, 1024);
    await assert.rejects(
      readLimitedBody(response, 4096),
      (error: unknown) => error instanceof BodyTooLargeError && error.code === 'BODY_TOO_LARGE' && error.limit === 4096,
    );
    assert.ok(seen.pulled <= 6, `pulled ${seen.pulled} chunks`);
    assert.equal(seen.cancelled, true);
  });
  it('refuses a declared Content-Length over the limit without reading', async () => {
    const { response, seen } = streamed(1, 10, { 'content-length': '999999' });
    await assert.rejects(readLimitedBody(response, 100), BodyTooLargeError);
    assert.equal(seen.pulled <= 1, true);
    assert.equal(seen.cancelled, true);
  });
  it('counts bytes, not a Content-Length that understates them', async () => {
    const { response } = streamed(10, 100, { 'content-length': '5' });
    await assert.rejects(readLimitedBody(response, 500), BodyTooLargeError);
  });
  it('reads an empty body', async () => {
    assert.equal((await readLimitedBody(new Response(null), 10)).length, 0);
  });
});
