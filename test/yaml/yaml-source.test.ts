import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText, parseYamlSource } from '../../src/yaml/yaml-source.ts';

describe('parseYamlSource', () => {
  it('keeps every document and the line of any value', () => {
    const parsed = parseYamlSource('# c\na: 1\nb:\n  c: [x, y]\n---\nd: 2\n');
    assert.ok(parsed.ok);
    assert.equal(parsed.documents.length, 2);
    const [first, second] = parsed.documents;
    assert.deepEqual(first?.value, { a: 1, b: { c: ['x', 'y'] } });
    assert.equal(first?.line, 2);
    assert.equal(first?.lineOf(['b', 'c', 1]), 4);
    assert.equal(first?.lineOf(['b', 'c']), 4, 'a mapping entry answers with its key line');
    assert.equal(first?.lineOf(['b']), 3);
    assert.equal(first?.lineOf(['b', 'missing', 'deeper']), 3, 'falls back to the nearest ancestor');
    assert.equal(second?.line, 6);
  });

  it('drops documents that are only comments', () => {
    const parsed = parseYamlSource('# nothing\n---\n# still nothing\n');
    assert.ok(parsed.ok);
    assert.equal(parsed.documents.length, 0);
  });

  it('rejects duplicate keys with their line', () => {
    const parsed = parseYamlSource('a: 1\nb: 2\na: 3\n');
    assert.ok(!parsed.ok);
    assert.match(parsed.problems[0]?.message ?? '', /duplicate key/);
    assert.equal(parsed.problems[0]?.line, 3);
  });

  it('refuses to expand an alias bomb, quickly', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(', ')}]`,
      );
    const started = performance.now();
    const parsed = parseYamlSource(levels.join('\n'));
    assert.ok(performance.now() - started < 2000);
    assert.ok(!parsed.ok);
    assert.match(parsed.problems[0]?.message ?? '', /alias bomb/);
  });

  it('turns nesting too deep for the parser into a problem, not a crash', () => {
    const parsed = parseYamlSource(`a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
    assert.ok(!parsed.ok);
    assert.match(parsed.problems[0]?.message ?? '', /nest/);
  });

  it('rejects NUL bytes as binary', () => {
    const parsed = parseYamlSource('a: 1\u0000\n');
    assert.ok(!parsed.ok);
    assert.match(parsed.problems[0]?.message ?? '', /binary/);
  });

  it('caps the cascade of errors after a syntax error', () => {
    const parsed = parseYamlSource('a: [\n  b: "x\n\tc: 1\n  - d\n  e: }\n');
    assert.ok(!parsed.ok);
    assert.ok(parsed.problems.length <= 3);
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 and drops a byte order mark', () => {
    const decoded = decodeText(Buffer.from('\ufeffname: café\n', 'utf8'));
    assert.deepEqual(decoded, { ok: true, text: 'name: café\n' });
  });
  it('refuses invalid UTF-8 instead of inventing replacement characters', () => {
    const decoded = decodeText(Buffer.from([0x1f, 0x8b, 0x08, 0xff, 0xfe]));
    assert.equal(decoded.ok, false);
  });
});
