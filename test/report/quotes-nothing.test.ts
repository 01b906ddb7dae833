// What a report may quote: from a file that failed to parse, nothing but file, line, column and the
// kind of problem; from a document that is not a Cloud Run workload, nothing but its kind. A planted
// secret in any such file must appear in no format (text, JSON, markdown, SARIF).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.ts';
import { parseYamlSource } from '../../src/yaml/yaml-source.ts';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import { runCheck } from '../../src/run/check.ts';
import { formatMarkdown } from '../../src/report/format-markdown.ts';
import { formatSarif } from '../../src/report/format-sarif.ts';
import { formatText } from '../../src/report/format-text.ts';

const SECRET = 'PlantedSecret7f3a9c1d';

function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes(SECRET), `${where} quotes the planted secret:\n${text}`);
  assert.ok(!text.includes('7f3a9c1d'), `${where} quotes part of the planted secret:\n${text}`);
}

describe('YAML and JSON errors', () => {
  const cases: [string, string, RegExp, number][] = [
    ['an alias to an anchor that does not exist', `a: 1\nb: *${SECRET}\n`, /^YAML could not be converted/, 1],
    [
      'a bad escape in a double-quoted string',
      `a: 1\ntoken: "x\\q${SECRET}"\n`,
      /^invalid YAML at line 2, column \d+: a double-quoted string holds an invalid escape sequence$/,
      2,
    ],
    ['an unclosed quote', `a: 1\ntoken: "${SECRET}\n`, /^invalid YAML at line 3, column 1: a closing character is missing/, 3],
    ['a reserved first character', `a: 1\ntoken: @${SECRET}\n`, /^invalid YAML at line 2, column 8: a plain value starts with a character that is reserved/, 2],
    ['a nested compact mapping', `a: 1\ntoken: b: ${SECRET}\n`, /^invalid YAML at line 2, column \d+: a block collection is used as a key$/, 2],
  ];
  for (const [name, text, expected, line] of cases) {
    it(`says line, column and kind for ${name}, not the text`, () => {
      const parsed = parseYamlSource(text);
      assert.ok(!parsed.ok);
      const [problem] = parsed.problems;
      assert.match(problem?.message ?? '', expected);
      assert.equal(problem?.line, line);
      for (const p of parsed.problems) assertNoSecret(p.message, name);
    });
  }

  it('describes a broken JSON manifest with JSON.parse position, line and column', () => {
    const set = readWorkloads('deploy/service.json', `{\n  "apiVersion": "serving.knative.dev/v1",\n  "token": "${SECRET}" x\n}\n`);
    const [problem] = set.problems;
    assert.equal(problem?.file, 'deploy/service.json');
    assert.equal(problem?.line, 3);
    assert.match(problem?.message ?? '', /^invalid JSON at line 3, column 36: a "," or "}" is expected after a property value$/);
    assertNoSecret(JSON.stringify(set), 'JSON manifest');
  });

  it('computes the position of a JSON error V8 reports without one', () => {
    const set = readWorkloads('x.json', `{"a": 1,\n "b": ${SECRET}}\n`);
    assert.match(set.problems[0]?.message ?? '', /^invalid JSON at line 2, column 7: a character is not allowed here/);
    assertNoSecret(JSON.stringify(set), 'JSON manifest');
  });

  it('names neither values nor odd keys of a JSON policy file', () => {
    const parsed = parsePolicyText(
      'file:policy.json',
      JSON.stringify({
        defaultAdmissionRule: { evaluationMode: SECRET, enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
        name: SECRET,
        [`${SECRET} key!`]: 1,
      }),
    );
    assert.ok(!parsed.ok);
    const messages = parsed.errors.map((e) => `${e.field} ${e.message}`).join('\n');
    assert.match(messages, /defaultAdmissionRule\.evaluationMode: a text is not one of ALWAYS_ALLOW/);
    assert.match(messages, /\(a key that is not a name\): is not a field of a Binary Authorization policy/);
    assertNoSecret(messages, 'policy errors');
  });

  it('describes a broken JSON policy file by line, column and kind', () => {
    const parsed = parsePolicyText('file:policy.json', `{\n  "defaultAdmissionRule": "${SECRET}\n}\n`);
    assert.ok(!parsed.ok);
    assert.match(parsed.errors[0]?.message ?? '', /^invalid JSON at line 2, column \d+: /);
    assertNoSecret(JSON.stringify(parsed), 'broken JSON policy');
  });
});

describe('documents that are not workloads', () => {
  it('lists a .env-like text document by its type only', () => {
    const set = readWorkloads('deploy/.env.yaml', `API_TOKEN=${SECRET}\nOTHER=1\n`);
    assert.deepEqual(
      set.skipped.map((s) => s.kind),
      ['a text'],
    );
    assertNoSecret(JSON.stringify(set), '.env document');
  });

  it('lists a Kubernetes Secret by apiVersion and kind, nothing of stringData or data', () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: ${SECRET}\ndata:\n  key: ${Buffer.from(SECRET).toString('base64')}\n`;
    const set = readWorkloads('deploy/secret.yaml', text);
    assert.deepEqual(
      set.skipped.map((s) => s.kind),
      ['v1 Secret'],
    );
    assertNoSecret(JSON.stringify(set), 'Secret manifest');
    assert.ok(!JSON.stringify(set).includes(Buffer.from(SECRET).toString('base64')));
  });

  it('does not quote a kind or apiVersion that is not name-shaped', () => {
    const set = readWorkloads('x.yaml', `apiVersion: "v1 ${SECRET}"\nkind: "a b"\n`);
    assert.deepEqual(
      set.skipped.map((s) => s.kind),
      ['(a apiVersion that is not a name) (a kind that is not a name)'],
    );
  });
});

describe('every format of a report over such files', () => {
  const dir = tempDir(after, 'quotes-nothing-');
  writeFileSync(join(dir, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n');
  writeFileSync(join(dir, 'broken.yaml'), `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: web\n  token: "x\\q${SECRET}"\n`);
  writeFileSync(join(dir, 'env.yaml'), `API_TOKEN=${SECRET}\n`);
  writeFileSync(join(dir, 'secret.yaml'), `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: ${SECRET}\n`);
  writeFileSync(join(dir, 'bad.json'), `{"kind": "Service", "x": ${SECRET}}`);

  it('quotes the planted secret in no format, and still says where each problem is', async () => {
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const report = await runCheck(
        {
          policy: { from: 'file', path: 'policy.yaml' },
          attestations: { from: 'none' },
          paths: ['broken.yaml', 'env.yaml', 'secret.yaml', 'bad.json'],
          files: { workingFolder: dir, paths: 'named' },
          allowEmpty: true,
          requireEnforcement: true,
          maxFileBytes: 1 << 20,
        },
        null,
      );
      assert.equal(report.verdict, 'error');
      assert.deepEqual(report.errors.map((e) => [e.file, e.line]).sort(), [
        ['bad.json', 1],
        ['broken.yaml', 5],
      ]);
      assertNoSecret(JSON.stringify(report), 'JSON report');
      assertNoSecret(formatText(report), 'text report');
      assertNoSecret(formatMarkdown(report, { links: null, maxLength: 65_536, overflowNote: '', marker: null }), 'markdown');
      assertNoSecret(JSON.stringify(formatSarif(report, { name: 'binauthz-gate', version: '0', informationUri: 'https://example.invalid' })), 'SARIF');
    } finally {
      process.chdir(previous);
    }
  });
});
