// Answer bodies read with a byte limit. A hostile or broken server may send a body without end (or
// lie in Content-Length, or gzip a bomb): what is counted is the bytes actually read, after
// decoding, and reading stops one chunk past the limit.
import { RemoteFailure } from '../errors.ts';

/** Thrown when a body is longer than allowed; never retried (the next answer would be as long). */
export class BodyTooLargeError extends RemoteFailure {
  override readonly name: string = 'BodyTooLargeError';
  readonly code = 'BODY_TOO_LARGE';
  readonly limit: number;
  constructor(limit: number) {
    super(`the answer body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** The whole body, at most `maxBytes`; a longer one fails with BodyTooLargeError without being read to its end. */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  if (declaredLength(response.headers) > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw new BodyTooLargeError(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function declaredLength(headers: Headers): number {
  const value = Number(headers.get('content-length') ?? '');
  return Number.isFinite(value) ? value : 0;
}
