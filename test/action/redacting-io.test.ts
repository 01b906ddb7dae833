import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactingIO } from '../../src/action/redacting-io.ts';
import type { ActionIO } from '../../src/action/run.ts';
import { Redactor } from '../../src/report/redact.ts';

describe('redactingIO', () => {
  it('redacts every writer, and learns the secrets given to setSecret and github()', async () => {
    const written: string[] = [];
    const record = (...parts: unknown[]) => void written.push(JSON.stringify(parts));
    const raw: ActionIO = {
      getInput: () => '',
      setOutput: record,
      setSecret: () => {},
      info: record,
      warning: record,
      error: record,
      writeSummary: async (markdown) => record(markdown),
      setFailed: record,
      github: () => ({}) as never,
    };
    const io = redactingIO(raw, new Redactor());
    io.setSecret('secret-from-setSecret');
    io.github('secret-github-token', 'http://127.0.0.1:1');
    const both = 'secret-from-setSecret and secret-github-token';
    io.setOutput('report', both);
    io.info(both);
    io.warning(both, { title: both, file: 'a.yaml', startLine: 1 });
    io.error(both, { title: both });
    await io.writeSummary(both);
    io.setFailed(both);
    assert.equal(written.length, 6);
    for (const text of written) {
      assert.ok(!text.includes('secret-from-setSecret') && !text.includes('secret-github-token'), text);
      assert.match(text, /\*\*\* and \*\*\*/);
    }
  });
});
