// The built action (`node dist/index.js`) against a hostile or unreliable GitHub and against the
// scope a pull request can slip past: marker comments by other users, hung and failing calls,
// lost answers to writes, JSON and upper-case manifests, brace patterns, more than 3,000 files.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { type ActionRun, P1_ALLOWED_ONLY, runActionOnPullRequest, serviceYaml } from './helpers/run-action.ts';
import { tempDir } from './helpers/temp.ts';

const GITHUB_TOKEN = 'ghs_hostileGitHubTestToken0123456789';
const MARKER = '<!-- binauthz-gate -->';
const D1 = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const D2 = 'sha256:3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3';
const ALLOWED = `us-docker.pkg.dev/p1/allowed/ok@${D1}`;
const DENIED = `us-docker.pkg.dev/p1/apps/denied@${D2}`;

const serviceObject = (name: string, image: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name, annotations: { 'run.googleapis.com/binary-authorization': 'default' } },
  spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
});
describe('the action against a hostile GitHub', () => {
  let github: FakeGitHub;
  let google: FakeGoogle;
  let workspace: string;

  beforeEach(async () => {
    github = await startFakeGitHub({ token: GITHUB_TOKEN });
    google = await startFakeGoogle();
    google.state.policies.set('projects/p1', P1_ALLOWED_ONLY);
    workspace = mkdtempSync(join(tmpdir(), 'action-hostile-'));
    mkdirSync(join(workspace, 'deploy'));
    writeFileSync(join(workspace, 'deploy', 'ok.yaml'), serviceYaml('ok', ALLOWED));
    writeFileSync(join(workspace, 'deploy', 'denied.yaml'), serviceYaml('denied', DENIED));
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/ok.yaml', status: 'modified' },
        { filename: 'deploy/denied.yaml', status: 'added' },
      ],
    });
  });
  afterEach(async () => {
    await github.close();
    await google.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  function runAction(inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runActionOnPullRequest({
      workspace,
      runner: tempDir(after, 'action-hostile-runner-'),
      githubUrl: github.url,
      githubToken: GITHUB_TOKEN,
      googleEnv: google.env(),
      inputs,
      timeoutMs: 60_000,
    });
  }

  const verdicts = (run: ActionRun) =>
    (JSON.parse(readFileSync(run.outputs['report'] as string, 'utf8')) as { workloads: { name: string; verdict: string }[] }).workloads
      .map((w) => [w.name, w.verdict])
      .sort();
  const markerComments = () => github.state.comments.filter((c) => c.body.startsWith(MARKER));

  it('leaves a marker comment by mallory untouched, writes its own, and a second run updates its own', async () => {
    const forged = `${MARKER}\n## binauthz-gate: ✅ pass`;
    github.state.comments.push({ id: 500, body: forged, user: { login: 'mallory', type: 'User' }, issue: 2 });
    const first = await runAction();
    assert.equal(first.code, 1, first.stdout);
    assert.match(first.stdout, /::warning::1 comment\(s\) on the pull request carry the binauthz-gate marker but were not written by this token's account/);
    const ours = markerComments().filter((c) => c.user.login === 'github-actions[bot]');
    assert.equal(ours.length, 1);
    assert.match(ours[0]?.body ?? '', /❌ fail \| \[Service denied\]/);
    assert.equal(github.state.comments.find((c) => c.id === 500)?.body, forged);

    writeFileSync(join(workspace, 'deploy', 'denied.yaml'), serviceYaml('denied', `us-docker.pkg.dev/p1/allowed/denied@${D2}`));
    const second = await runAction();
    assert.equal(second.code, 0, second.stdout);
    assert.equal(markerComments().length, 2, "mallory's and ours, no third");
    assert.equal(github.state.comments.find((c) => c.id === 500)?.body, forged, 'never edited');
    const updated = markerComments().find((c) => c.user.login === 'github-actions[bot]');
    assert.equal(updated?.id, ours[0]?.id);
    assert.match(updated?.body ?? '', /✅ pass \| \[Service denied\]/);
    assert.ok(!github.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/comments/500')));
  });

  it("with a personal access token, the comment is the one its user wrote, not a bot's or mallory's", async () => {
    await github.close();
    github = await startFakeGitHub({ token: GITHUB_TOKEN, tokenKind: 'user', user: { login: 'release-bot-user', type: 'User' } });
    github.state.pulls.set(2, { files: [{ filename: 'deploy/denied.yaml', status: 'added' }] });
    github.state.comments.push(
      { id: 600, body: `${MARKER}\nby the default token`, user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 2 },
      { id: 601, body: `${MARKER}\nmine`, user: { login: 'release-bot-user', type: 'User' }, issue: 2 },
    );
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.equal(github.state.comments.length, 2);
    assert.equal(github.state.comments.find((c) => c.id === 600)?.body, `${MARKER}\nby the default token`);
    assert.match(github.state.comments.find((c) => c.id === 601)?.body ?? '', /❌ fail \| \[Service denied\]/);
  });

  it('when it cannot tell who the token is, it edits nothing, writes a new comment, and says so', async () => {
    github.failNext('POST /graphql', 403, 100, 'Resource not accessible by integration');
    github.state.comments.push({ id: 700, body: `${MARKER}\nan older one`, user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 2 });
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stdout,
      /::warning::Could not tell which account the github_token writes as \(GET \/user: HTTP 403: Resource not accessible by integration; GraphQL viewer: HTTP 403: Resource not accessible by integration\): existing comments are left alone and a new one is written\./,
    );
    assert.equal(github.state.comments.find((c) => c.id === 700)?.body, `${MARKER}\nan older one`);
    assert.equal(markerComments().length, 2);
  });

  it("a hung GitHub call ends within the run's timeout with a clear error", async () => {
    github.hostile(/^GET \/repos\/.*\/pulls\/2\/files/, { kind: 'hang' });
    const run = await runAction({ timeout: '3' });
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /::error::binauthz-gate failed: failed to list the files of Codertocat\/Hello-World#2: GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}\/files: no answer within the time limit \(timeout\)/,
    );
    assert.ok(run.ms < 3_000 + 2_500, `took ${run.ms} ms`);
    assert.equal(github.state.comments.length, 0);
  });

  it('rides out 5xx and resets on reads: the verdict is the same as without them', async () => {
    github.failNext(/^GET \/repos\/.*\/pulls\/2\/files/, 502, 2);
    github.hostile('GET /repos/Codertocat/Hello-World/issues/2/comments', { kind: 'reset' }, 1);
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual(verdicts(run), [
      ['denied', 'fail'],
      ['ok', 'pass'],
    ]);
    assert.equal(markerComments().length, 1);
  });

  it('a looping comment list is an error naming the API, and no comment is written', async () => {
    github.hostile(/^GET .*\/issues\/2\/comments/, { kind: 'loop' });
    const run = await runAction();
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /::error::binauthz-gate failed: failed to list the comments on Codertocat\/Hello-World#2: GitHub's list of comments \(GET \/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}\/comments\) links back to a page it already gave/,
    );
    assert.equal(github.state.comments.length, 0);
  });

  it('a POST that created the comment but answered 502 leaves exactly one comment', async () => {
    github.hostile('POST /repos/Codertocat/Hello-World/issues/2/comments', { kind: 'after', status: 502 }, 1);
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.equal(markerComments().length, 1);
    assert.equal(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues/2/comments')).length, 1, 'read back, not posted again');
    assert.match(run.stdout, /Pull request comment: created/);
  });

  it('a changed deploy/svc.json and deploy/svc.YAML with denied images fail the pull request', async () => {
    writeFileSync(join(workspace, 'deploy', 'svc.json'), JSON.stringify(serviceObject('from-json', DENIED), null, 2));
    writeFileSync(join(workspace, 'deploy', 'svc.YAML'), serviceYaml('from-upper-yaml', DENIED));
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/svc.json', status: 'added' },
        { filename: 'deploy/svc.YAML', status: 'added' },
        { filename: 'README.md', status: 'modified' },
      ],
    });
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.outputs['verdict'], 'fail');
    assert.deepEqual(verdicts(run), [
      ['from-json', 'fail'],
      ['from-upper-yaml', 'fail'],
    ]);
  });

  it('deploy/**/*.{yaml,yml} is one pattern, and a pattern matching nothing is a warning naming it', async () => {
    mkdirSync(join(workspace, 'deploy', 'jobs'));
    writeFileSync(join(workspace, 'deploy', 'jobs', 'nightly.yml'), serviceYaml('nightly', DENIED));
    github.state.pulls.set(2, {
      files: [
        { filename: 'deploy/jobs/nightly.yml', status: 'added' },
        { filename: 'deploy/ok.yaml', status: 'modified' },
      ],
    });
    const run = await runAction({ manifests: 'deploy/**/*.{yaml,yml}\nk8s/**/*.yaml' });
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual(verdicts(run), [
      ['nightly', 'fail'],
      ['ok', 'pass'],
    ]);
    assert.match(run.stdout, /::warning::The manifests pattern 'k8s\/\*\*\/\*\.yaml' matches no file in the workspace\./);
    assert.ok(!/pattern 'deploy/.test(run.stdout));
  });

  it('a pull request with more than 3,000 files is checked in full and the denied manifest among the rest fails it', async () => {
    const listed = Array.from({ length: 3200 }, (_, i) => ({ filename: `docs/page-${i}.md`, status: 'added' }));
    listed.push({ filename: 'deploy/denied.yaml', status: 'added' }); // beyond what GitHub lists
    github.state.pulls.set(2, { files: listed });
    const run = await runAction();
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stdout,
      /::warning::The pull request changes more than 3,000 files, the most GitHub lists: checking every manifest that matches `manifests` \(a full scan\)\./,
    );
    assert.deepEqual(verdicts(run), [
      ['denied', 'fail'],
      ['ok', 'pass'],
    ]);
  });

  it('a pull request that changes no manifest passes and says so', async () => {
    github.state.pulls.set(2, { files: [{ filename: 'README.md', status: 'modified' }] });
    const run = await runAction();
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.outputs['verdict'], 'pass');
    assert.match(run.stdout, /changes no Cloud Run manifest matching the `manifests` patterns/);
  });

  it('never prints the token, in any stream, comment or request record', async () => {
    github.hostile('POST /repos/Codertocat/Hello-World/issues/2/comments', { kind: 'after', status: 502 }, 1);
    const run = await runAction();
    const logged = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    const everything = [...logged, run.stderr, JSON.stringify(run.outputs), JSON.stringify(github.state.comments), JSON.stringify(github.requests)].join('\n');
    assert.ok(!everything.includes(GITHUB_TOKEN));
  });
});
