// The action end to end (dist/index.js as the runner runs it) with planted secrets everywhere: in
// manifests of the pull request, in a Google answer that echoes the token, in a GitHub error that
// echoes its token. None reaches stdout, stderr, outputs, the job summary, the report file or the comment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { runActionOnPullRequest } from './helpers/run-action.ts';
import { tempDir } from './helpers/temp.ts';

const D1 = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';

function assertAbsent(output: string, secret: string, where: string): void {
  assert.ok(!output.includes(secret), `${where}: the secret is in the output:\n${output}`);
  for (const word of output.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    assert.ok(!Buffer.from(word, 'base64').toString('latin1').includes(secret), `${where}: base64 ${word} decodes to the secret`);
  }
}

describe('the action leaks no planted secret', () => {
  const githubToken = `loopback-github-${randomBytes(12).toString('hex')}`;
  const googleToken = `loopback-google-${randomBytes(12).toString('hex')}`;
  const planted = `Planted${randomBytes(12).toString('hex')}`;
  let github: FakeGitHub;
  let google: FakeGoogle;
  before(async () => {
    github = await startFakeGitHub({ token: githubToken });
    google = await startFakeGoogle({ requireToken: googleToken });
  });
  after(async () => {
    await github.close();
    await google.close();
  });

  it('through Google 403 echoes, GitHub error echoes and secret-bearing manifests', async (t) => {
    const workspace = tempDir(t, 'action-no-leak-ws-');
    const runner = tempDir(t, 'action-no-leak-runner-');
    mkdirSync(join(workspace, 'deploy'));
    writeFileSync(
      join(workspace, 'deploy', 'web.yaml'),
      `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: us-docker.pkg.dev/p1/apps/web@${D1}\n`,
    );
    writeFileSync(join(workspace, 'deploy', 'broken.yaml'), `kind: Service\nmetadata:\n  token: "x\\q${planted}"\n`);
    writeFileSync(join(workspace, 'deploy', 'settings.yaml'), `API_TOKEN=${planted}\n`);
    writeFileSync(join(workspace, 'deploy', 'secret.yaml'), `apiVersion: v1\nkind: Secret\nstringData:\n  token: ${planted}\n`);
    github.state.pulls.set(2, { files: ['web', 'broken', 'settings', 'secret'].map((name) => ({ filename: `deploy/${name}.yaml`, status: 'added' })) });
    google.inject({ match: (r) => r.api === 'binaryauthorization', count: 1000, status: 403, echoAuthorization: true });
    github.failNext(
      (r) => r.method === 'POST' && r.path.includes('/comments'),
      403,
      1,
      `Resource not accessible by integration (you sent token ${githubToken})`,
    );
    const run = await runActionOnPullRequest({ workspace, runner, githubUrl: github.url, githubToken, googleEnv: google.env() });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /HTTP 403/, 'the Google failure is reported');
    assert.match(run.stdout, /::warning::Could not comment on the pull request/, 'the GitHub failure is reported');
    const written = readdirSync(runner).map((name) => readFileSync(join(runner, name), 'utf8'));
    assert.ok(
      written.some((text) => text.includes('"verdict": "error"')),
      'the JSON report file was written',
    );
    // `::add-mask::TOKEN` is the command that tells the runner to mask the token in its log; the runner never prints it.
    const stdout = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    const everything = [stdout, run.stderr, ...written, ...github.state.comments.map((c) => c.body)].join('\n');
    for (const [name, secret] of [
      ['GitHub token', githubToken],
      ['Google token', googleToken],
      ['planted secret', planted],
    ] as const) {
      assertAbsent(everything, secret, name);
    }
  });
});
