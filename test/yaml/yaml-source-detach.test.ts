// A value kept from a parsed document must not keep the file's text alive (V8 sliced strings):
// a run over 50,000 manifests would otherwise hold every file to its end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSnapshot } from 'node:v8';
import { parseYamlSource } from '../../src/yaml/yaml-source.ts';

/** Whether any string in the heap contains `needle()`, built only after the snapshot is taken. */
async function heapHolds(needle: () => string): Promise<boolean> {
  const snapshot = getHeapSnapshot();
  let text = '';
  for await (const chunk of snapshot) text += String(chunk);
  return text.includes(needle());
}

/** Parses a manifest made here and keeps two of its strings; the text and the document are left behind. */
function keptStrings(marker: string): string[] {
  const text = [
    'kind: Service',
    'metadata:',
    '  name: a-service-name-long-enough',
    `  note: ${marker}`,
    'spec:',
    '  image: gcr.io/project/app@sha256:0123456789abcdef',
    '',
  ].join('\n');
  const source = parseYamlSource(text);
  assert.ok(source.ok);
  const value = source.documents[0]?.value as { metadata: { name: string }; spec: { image: string } };
  return [value.metadata.name, value.spec.image];
}

describe('parseYamlSource keeps no view of the text', () => {
  it('a kept string (an image, a name) does not hold the whole text alive', async () => {
    const marker = `marker${process.pid}`;
    const kept = keptStrings(marker);
    assert.deepEqual(kept, ['a-service-name-long-enough', 'gcr.io/project/app@sha256:0123456789abcdef']);
    assert.equal(await heapHolds(() => `note: ${marker}\\nspec`), false, 'the file text is still alive, held by a kept string');
    assert.equal(kept.length, 2);
  });

  it('keeps the values as toJS gave them, aliases and nesting included', () => {
    const source = parseYamlSource('a: &x\n  b: [a-long-string-value-1, short, {c: another-long-string-2}]\nd: *x\n');
    assert.ok(source.ok);
    const value = source.documents[0]?.value as { a: unknown; d: unknown };
    assert.deepEqual(value, {
      a: { b: ['a-long-string-value-1', 'short', { c: 'another-long-string-2' }] },
      d: { b: ['a-long-string-value-1', 'short', { c: 'another-long-string-2' }] },
    });
  });
});
