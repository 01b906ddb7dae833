import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeBase64 } from '../../src/attestations/index.ts';
import { base64Spellings } from './support.ts';

function bytesOf(text: string): Buffer {
  const decoded = decodeBase64(text);
  assert.equal(decoded.kind, 'bytes', `expected ${JSON.stringify(text)} to decode`);
  return decoded.kind === 'bytes' ? decoded.bytes : Buffer.alloc(0);
}

function reasonOf(text: string): string {
  const decoded = decodeBase64(text);
  assert.equal(decoded.kind, 'undecodable', `expected ${JSON.stringify(text)} to be rejected`);
  return decoded.kind === 'undecodable' ? decoded.reason : '';
}

describe('decodeBase64', () => {
  it('decodes standard and URL-safe, padded and unpadded, for every length remainder', () => {
    for (let length = 1; length <= 66; length++) {
      const bytes = randomBytes(length);
      for (const { label, text } of base64Spellings(bytes)) {
        assert.deepEqual(bytesOf(text), bytes, `${label}, ${length} bytes`);
      }
    }
  });

  it('decodes the URL-safe signature gcloud sent and ignores line breaks', () => {
    const kms = 'MEUCIQCWT9ltKA_WQfNoNNyzOzPApxnfqpabd9rdyE6Sw1B5CgIgEFqM7LLNZx9zhGMfPa51pNt0RC7OcZnMVGjHRndovN8=';
    assert.equal(bytesOf(kms).length, 71);
    assert.deepEqual(bytesOf('aGVs\nbG8=\r\n'), Buffer.from('hello'));
  });

  it('rejects garbage with a reason instead of decoding what it can', () => {
    assert.match(reasonOf(''), /empty/);
    assert.match(reasonOf('not base64!'), /not base64/);
    assert.match(reasonOf('aGVs bG8='), /not base64/);
    assert.match(reasonOf('a+b_'), /mixes/);
    assert.match(reasonOf('abcde'), /length/);
    assert.match(reasonOf('aGVsbG8=='), /padding/);
    assert.match(reasonOf('aGVsbA='), /padding/);
    assert.match(reasonOf('aGVsbG8==='), /not base64/);
    assert.match(reasonOf('=aGVs'), /not base64/);
    assert.match(reasonOf('QR=='), /canonical/);
  });
});
