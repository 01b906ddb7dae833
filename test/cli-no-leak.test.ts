// End to end through the built CLI: planted secrets in the files it reads, in the environment and in
// hostile API answers appear in no output stream, in any format.
import { describe, it, after, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/run-cli.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { tempDir } from './helpers/temp.ts';

const FORMATS = ['text', 'json', 'markdown', 'sarif'] as const;
const service = fileURLToPath(new URL('./fixtures/manifests/web-service.yaml', import.meta.url));

/** The secret in any spelling a run could write it: raw, URL-encoded, JSON-escaped, or inside base64. */
function assertAbsent(output: string, secret: string, where: string): void {
  assert.ok(!output.includes(secret), `${where}: the secret is in the output:\n${output}`);
  assert.ok(!output.includes(encodeURIComponent(secret)), `${where}: the URL-encoded secret is in the output`);
  for (const word of output.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      assert.ok(!Buffer.from(word, alphabet).toString('latin1').includes(secret), `${where}: base64 ${word} decodes to the secret`);
    }
  }
}

describe('the CLI quotes nothing of what it should not', () => {
  const secret = `Planted${randomBytes(12).toString('hex')}`;
  const githubToken = `ghs_${randomBytes(18).toString('hex')}`;
  const dir = tempDir(after, 'cli-no-leak-');
  const deploy = join(dir, 'deploy');
  mkdirSync(deploy);
  writeFileSync(join(dir, 'policy.yaml'), 'defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n');
  writeFileSync(join(deploy, 'broken.yaml'), `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: web\n  token: "x\\q${secret}"\n`);
  writeFileSync(
    join(deploy, 'settings.yaml'),
    `# copied from .env\nAPI_TOKEN=${secret}\nAUTHORIZATION=basic ${Buffer.from(`x-access-token:${secret}`).toString('base64')}\n`,
  );
  writeFileSync(
    join(deploy, 'secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: ${secret}\ndata:\n  key: ${Buffer.from(secret).toString('base64')}\n`,
  );
  writeFileSync(join(deploy, 'broken.json'), `{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "token": ${secret}}`);
  // A workload named with the GitHub token the environment holds: names are shown, credentials never.
  writeFileSync(
    join(deploy, 'named.yaml'),
    `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${githubToken.replace('ghs_', 'svc-')}\n  labels: {x: "${githubToken}"}\nspec:\n  template:\n    spec:\n      containers:\n        - image: gcr.io/p/${githubToken.toLowerCase()}@sha256:${'a'.repeat(64)}\n`,
  );

  for (const format of FORMATS) {
    it(`--format ${format}: no planted secret in stdout or stderr, and every bad file is named`, async () => {
      // --verbose: the text report shows the allowed container (and its image) only then.
      const verbose = format === 'text' ? ['--verbose'] : [];
      const run = await runCli(['check', '--policy-file', join(dir, 'policy.yaml'), '--format', format, ...verbose, deploy], {
        env: { GITHUB_TOKEN: githubToken },
      });
      assert.equal(run.code, 2);
      assertAbsent(run.stdout + run.stderr, secret, format);
      assertAbsent(run.stdout + run.stderr, githubToken, format);
      if (format === 'text' || format === 'json')
        assert.match(run.stdout, /gcr\.io\/p\/\*\*\*@sha256/, 'an image reference holding the token is shown redacted');
      if (format === 'json') {
        const report = JSON.parse(run.stdout) as { errors: { file: string; line: number; message: string }[]; skipped: { file: string; kind: string }[] };
        assert.deepEqual(report.errors.map((e) => [e.file.split('/').pop(), e.line, e.message.replace(/: .*/, '')]).sort(), [
          ['broken.json', 1, 'invalid JSON at line 1, column 70'],
          ['broken.yaml', 5, 'invalid YAML at line 5, column 12'],
        ]);
        assert.deepEqual(report.skipped.map((s) => [s.file.split('/').pop(), s.kind]).sort(), [
          ['secret.yaml', 'v1 Secret'],
          ['settings.yaml', 'a text'],
        ]);
      }
    });
  }
});

describe('a private key given where a policy or manifest belongs', () => {
  const dir = tempDir(after, 'cli-no-leak-key-');
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(join(dir, 'key.yaml'), pem);
  writeFileSync(join(dir, 'key.json'), JSON.stringify({ type: 'service_account', private_key: pem, private_key_id: 'k' }).slice(0, -2));

  it('is described, never quoted, as a policy file or as manifests', async () => {
    const lines = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
    for (const args of [
      ['--policy-file', join(dir, 'key.yaml'), service],
      ['--policy-file', join(dir, 'key.json'), join(dir, 'key.yaml'), join(dir, 'key.json')],
    ]) {
      for (const format of FORMATS) {
        const run = await runCli(['check', '--format', format, ...args]);
        assert.equal(run.code, 2);
        for (const line of lines) assertAbsent(run.stdout + run.stderr, line, `${format} ${args.join(' ')}`);
      }
    }
  });
});

describe('the CLI against a Google that echoes the token back', () => {
  const token = `tok-${randomBytes(20).toString('hex')}`;
  let google: FakeGoogle;
  beforeEach(async () => {
    google = await startFakeGoogle({ requireToken: token });
  });
  afterEach(() => google.close());

  for (const status of [403, 500]) {
    for (const format of FORMATS) {
      it(`HTTP ${status} echoing the Authorization header: the token is in no output (--format ${format})`, async () => {
        google.inject({ match: (r) => r.api === 'binaryauthorization', count: 1000, status, echoAuthorization: true });
        const run = await runCli(['check', '--project', 'p', '--format', format, '--timeout', '3', '--no-resolve-tags', service], { env: google.env() });
        assert.equal(run.code, 2);
        assert.match(run.stdout, new RegExp(`HTTP ${status}`));
        if (status === 403) assert.match(run.stdout, /You sent Authorization: Bearer \*\*\*/, 'what Google said is kept, the token is not');
        assertAbsent(run.stdout + run.stderr, token, `${status} ${format}`);
      });
    }
  }
});
