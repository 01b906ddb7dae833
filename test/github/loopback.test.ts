// The GitHub adapters end to end, through the action's real Octokit client and its
// undici fetch, against the loopback fake GitHub (test/helpers/fake-github.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGitHubClient } from '../../src/action/github-client.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { listChangedFiles } from '../../src/github/pull-request-files.ts';
import { COMMENT_MARKER, upsertStickyComment } from '../../src/github/sticky-comment.ts';
import type { TokenIdentity } from '../../src/github/token-identity.ts';

const ACTIONS: TokenIdentity = { kind: 'known', logins: ['github-actions[bot]'], botOnly: true, how: 'GraphQL viewer' };

const TOKEN = 'ghs_loopbackTestToken0123456789abcdefgh';
const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const ISSUE = { owner: OWNER, repo: REPO, issueNumber: 2 };
const PULL = { owner: OWNER, repo: REPO, pullNumber: 2 };

describe('GitHub adapters against the loopback fake', () => {
  let github: FakeGitHub;
  before(async () => {
    github = await startFakeGitHub({ token: TOKEN });
  });
  after(() => github.close());
  const octokit = (token = TOKEN) => createGitHubClient(token, github.url);
  const reset = () => {
    github.state.comments.length = 0;
    github.state.pulls.clear();
    github.requests.length = 0;
  };

  it('two upserts leave one comment, updated in place; other comments are untouched', async () => {
    reset();
    github.state.pulls.set(2, { files: [] });
    github.state.comments.push(
      { id: 7, body: `> ${COMMENT_MARKER}\nquoting the gate`, user: { login: 'octocat', type: 'User' }, issue: 2 },
      { id: 8, body: '<!-- binauthz-gate:prod -->\nanother gate', user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 2 },
      { id: 9, body: `${COMMENT_MARKER}\nanother pull request`, user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 3 },
    );
    const others = structuredClone(github.state.comments);

    const first = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## fail', { createIfMissing: true, identity: ACTIONS });
    const second = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## pass', { createIfMissing: true, identity: ACTIONS });
    const third = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## pass', { createIfMissing: true, identity: ACTIONS });

    assert.equal(first.action, 'created');
    assert.ok(first.action === 'created' && second.action === 'updated' && third.action === 'unchanged');
    assert.equal(second.id, first.id);
    assert.equal(third.id, first.id);
    assert.equal(first.url, `https://github.com/${OWNER}/${REPO}/pull/2#issuecomment-${first.id}`);
    const ours = github.state.comments.filter((c) => c.body.startsWith(COMMENT_MARKER) && c.issue === 2);
    assert.deepEqual(ours, [{ id: first.id, body: `${COMMENT_MARKER}\n## pass`, user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 2 }]);
    assert.deepEqual(
      github.state.comments.filter((c) => c.id !== first.id),
      others,
    );
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        `GET /repos/${OWNER}/${REPO}/issues/2/comments?per_page=100 200`,
        `POST /repos/${OWNER}/${REPO}/issues/2/comments 201`,
        `GET /repos/${OWNER}/${REPO}/issues/2/comments?per_page=100 200`,
        `PATCH /repos/${OWNER}/${REPO}/issues/comments/${first.id} 200`,
        `GET /repos/${OWNER}/${REPO}/issues/2/comments?per_page=100 200`,
      ],
    );
  });

  it('finds its comment on the third page of 250 comments, through the Link header', async () => {
    reset();
    for (let id = 1; id <= 250; id += 1) github.state.comments.push({ id, body: `comment ${id}`, user: { login: 'octocat', type: 'User' }, issue: 2 });
    github.state.comments.push({ id: 251, body: `${COMMENT_MARKER}\nold`, user: { login: 'github-actions[bot]', type: 'Bot' }, issue: 2 });
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual({ action: result.action, id: 'id' in result ? result.id : null }, { action: 'updated', id: 251 });
    assert.deepEqual(
      github.requests.map((r) => r.path),
      [
        `/repos/${OWNER}/${REPO}/issues/2/comments?per_page=100`,
        '/repositories/186853002/issues/2/comments?per_page=100&page=2',
        '/repositories/186853002/issues/2/comments?per_page=100&page=3',
        '/repos/Codertocat/Hello-World/issues/comments/251',
      ],
    );
  });

  it('lists every changed file across pages, and flags more than 3,000 as truncated', async () => {
    reset();
    const files = Array.from({ length: 3500 }, (_, i) => ({ filename: `deploy/s${i}.yaml`, status: i % 10 === 0 ? 'removed' : 'modified' }));
    files[1] = { filename: 'deploy/new-name.yaml', status: 'renamed', previous_filename: 'deploy/old-name.yaml' } as (typeof files)[number];
    github.state.pulls.set(2, { files });
    const result = await listChangedFiles(octokit(), PULL);
    assert.equal(result.truncated, true);
    assert.equal(result.files.length, 2700); // 3,000 listed, every tenth removed
    assert.deepEqual(result.files[0], { path: 'deploy/new-name.yaml', status: 'renamed', previousPath: 'deploy/old-name.yaml' });
    assert.equal(github.requests.length, 31); // 30 pages and the pull request's changed_files
    assert.equal(github.requests.at(-1)?.path, `/repos/${OWNER}/${REPO}/pulls/2`);
  });

  it('returns forbidden when the token may not comment, and the action can go on', async () => {
    reset();
    github.failNext(`POST /repos/${OWNER}/${REPO}/issues/2/comments`, 403);
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'report', { createIfMissing: true, identity: ACTIONS });
    assert.ok(result.action === 'forbidden');
    assert.match(result.message, /HTTP 403: Resource not accessible by integration/);
    assert.equal(github.state.comments.length, 0);
  });

  it("throws on a wrong token, naming GitHub's answer and never either token; requests record no token", async () => {
    reset();
    const wrong = 'ghs_wrongTokenForTheLoopbackTest0000000';
    const error = await listChangedFiles(octokit(wrong), PULL).catch((e: unknown) => e as Error);
    assert.equal(String(error), 'RemoteFailure: failed to list the files of Codertocat/Hello-World#2: HTTP 401: Bad credentials');
    const everything = JSON.stringify(github.requests);
    assert.ok(!everything.includes(TOKEN) && !everything.includes(wrong));
    assert.equal(github.requests[0]?.headers['authorization'], 'token <redacted>');
  });

  it('names a dropped connection without a made-up HTTP status', async () => {
    const gone = await startFakeGitHub({ token: TOKEN });
    const url = gone.url;
    await gone.close();
    const error = await listChangedFiles(createGitHubClient(TOKEN, url), PULL).catch((e: unknown) => e as Error);
    assert.match(String(error), /^\w+: failed to list the files of Codertocat\/Hello-World#2: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

describe('the fake GitHub itself', () => {
  let github: FakeGitHub;
  before(async () => {
    github = await startFakeGitHub({ token: TOKEN });
  });
  after(() => github.close());
  const get = (path: string, authorization = `Bearer ${TOKEN}`) => fetch(`${github.url}${path}`, { headers: { authorization } });

  it("accepts Bearer as well as token, and answers 401 with GitHub's error shape otherwise", async () => {
    github.state.pulls.set(5, { files: [{ filename: 'a.yaml', status: 'added' }] });
    assert.equal((await get(`/repos/${OWNER}/${REPO}/pulls/5/files`)).status, 200);
    assert.equal((await get(`/repos/${OWNER}/${REPO}/pulls/5/files`, `token ${TOKEN}`)).status, 200);
    const denied = await get(`/repos/${OWNER}/${REPO}/pulls/5/files`, 'token nope');
    assert.equal(denied.status, 401);
    assert.deepEqual(await denied.json(), { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    assert.equal(github.requests.at(-2)?.headers['authorization'], 'token <redacted>');
    assert.equal(github.requests.at(-3)?.headers['authorization'], 'Bearer <redacted>');
  });

  it('pages as GitHub does: 30 by default, at most 100, with prev/next/last/first links', async () => {
    github.state.pulls.set(6, { files: Array.from({ length: 250 }, (_, i) => ({ filename: `f${i}`, status: 'added' })) });
    const first = await get(`/repos/${OWNER}/${REPO}/pulls/6/files`);
    assert.equal(((await first.json()) as unknown[]).length, 30);
    const middle = await get(`/repos/${OWNER}/${REPO}/pulls/6/files?per_page=500&page=2`);
    assert.equal(((await middle.json()) as unknown[]).length, 100);
    const base = `${github.url}/repositories/186853002/pulls/6/files`;
    assert.equal(
      middle.headers.get('link'),
      [
        `<${base}?per_page=500&page=1>; rel="prev"`,
        `<${base}?per_page=500&page=3>; rel="next"`,
        `<${base}?per_page=500&page=3>; rel="last"`,
        `<${base}?per_page=500&page=1>; rel="first"`,
      ].join(', '),
    );
    const beyond = await get(`/repositories/186853002/pulls/6/files?per_page=100&page=9`);
    assert.deepEqual(await beyond.json(), []);
  });

  it('serves only its own repository, and fails the requests it is told to', async () => {
    assert.equal((await get('/repos/someone/else/pulls/6/files')).status, 404);
    github.failNext(/^GET \/repos\/.*\/pulls\/6\/files/, 502, 2);
    assert.equal((await get(`/repos/${OWNER}/${REPO}/pulls/6/files`)).status, 502);
    const again = await get(`/repos/${OWNER}/${REPO}/pulls/6/files?page=2`);
    assert.deepEqual(
      { status: again.status, body: await again.json() },
      { status: 502, body: { message: 'Server Error', documentation_url: 'https://docs.github.com/rest', status: '502' } },
    );
    assert.equal((await get(`/repos/${OWNER}/${REPO}/pulls/6/files`)).status, 200);
  });
});
