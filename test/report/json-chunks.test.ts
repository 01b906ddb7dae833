import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonChunks } from '../../src/report/json-chunks.ts';

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
