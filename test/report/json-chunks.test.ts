import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { joinedPieces, jsonChunks } from '../../src/report/json-chunks.ts';

const joined = (value: unknown, depth?: number): string => [...jsonChunks(value, depth)].join('');

describe('jsonChunks', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes, at every depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, depth) => {
        assert.equal(joined(value, depth), JSON.stringify(value, null, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('skips what JSON skips and writes what it writes for dates, undefined and nested empties', () => {
    const value = { a: undefined, b: [undefined, () => 1, new Date(0)], c: {}, d: [], e: { f: [[]] }, g: 'line\nbreak' };
    assert.equal(joined(value), JSON.stringify(value, null, 2));
  });

  it('gives one piece per workload, none longer than a workload, so the report is never one text', () => {
    const workload = { kind: 'Service', name: 'svc', containers: [{ image: 'gcr.io/p/app@sha256:1' }] };
    const report = { verdict: 'pass', workloads: Array.from({ length: 1000 }, () => workload), errors: [] };
    const pieces = [...jsonChunks(report)];
    const longest = Math.max(...pieces.map((piece) => piece.length));
    assert.ok(pieces.length > 1000, `${pieces.length} pieces`);
    assert.ok(longest <= JSON.stringify(workload, null, 2).length + 50, `a piece of ${longest} characters`);
  });
});

describe('joinedPieces', () => {
  it('joins pieces into texts of about the size given, never splitting one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (pieces, size) => {
        const texts = [...joinedPieces(pieces, size)];
        assert.equal(texts.join(''), pieces.join(''));
        // Every text but the last reached the size with its last piece, and held no more than that piece beyond it.
        const longest = Math.max(0, ...pieces.map((piece) => piece.length));
        for (const text of texts.slice(0, -1)) assert.ok(text.length >= size && text.length < size + longest, `${text.length} for ${size}`);
        // A piece is never split: the boundaries between texts are boundaries between pieces.
        const ends = new Set(pieces.map((_, i) => pieces.slice(0, i + 1).join('').length));
        let at = 0;
        for (const text of texts) {
          at += text.length;
          assert.ok(ends.has(at), `a text ends at ${at}, inside a piece`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes a 1,000-workload report in a few texts', () => {
    const workload = { kind: 'Service', name: 'svc', containers: [{ image: 'gcr.io/p/app@sha256:1' }] };
    const report = { verdict: 'pass', workloads: Array.from({ length: 1000 }, () => workload), errors: [] };
    const texts = [...joinedPieces(jsonChunks(report))];
    assert.equal(texts.join(''), JSON.stringify(report, null, 2));
    assert.ok(texts.length <= Math.ceil(JSON.stringify(report, null, 2).length / (64 * 1024)) + 1, `${texts.length} texts`);
  });
});
