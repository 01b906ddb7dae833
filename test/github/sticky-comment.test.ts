// The sticky comment, checked with nock: which comment counts as the gate's, the exact
// requests to create or update it, that nothing else is touched, and the failures.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { createGitHubClient } from '../../src/action/github-client.ts';
import { COMMENT_MARKER, findStickyComment, upsertStickyComment } from '../../src/github/sticky-comment.ts';
import type { TokenIdentity } from '../../src/github/token-identity.ts';

const API = 'https://api.github.com';
const TOKEN = 'ghs_stickyCommentTestToken0123456789abc';
const ISSUE = { owner: 'octo-org', repo: 'hello', issueNumber: 4 };
const COMMENTS = '/repos/octo-org/hello/issues/4/comments';
const BY_ID = '/repositories/1296269/issues/4/comments';
const BOT = { login: 'github-actions[bot]', type: 'Bot' };
const HUMAN = { login: 'octocat', type: 'User' };
const MALLORY = { login: 'mallory', type: 'User' };
/** GITHUB_TOKEN, as resolveTokenIdentity finds it through the GraphQL viewer */
const ACTIONS: TokenIdentity = { kind: 'known', logins: ['github-actions', 'github-actions[bot]'], botOnly: true, how: 'GraphQL viewer' };
/** a personal access token of octocat's */
const OCTOCAT: TokenIdentity = { kind: 'known', logins: ['octocat'], botOnly: false, how: 'GET /user' };
const UNKNOWN: TokenIdentity = { kind: 'unknown', why: 'test' };

const octokit = () => createGitHubClient(TOKEN, API);
const github = () => nock(API, { reqheaders: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github.v3+json' } });
const comment = (id: number, body: string, user: { login: string; type: string } | null = HUMAN) => ({
  id,
  body,
  user,
  html_url: `https://github.com/octo-org/hello/pull/4#issuecomment-${id}`,
});
const next = (page: number) => ({ link: `<${API}${BY_ID}?per_page=100&page=${page}>; rel="next"` });

describe('comment markers', () => {
  it('is a hidden HTML comment', () => {
    assert.equal(COMMENT_MARKER, '<!-- binauthz-gate -->');
  });
});

describe('findStickyComment', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('reads every page, 100 comments at a time, following the Link header', async () => {
    const scope = github()
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [comment(1, 'lgtm')], next(2))
      .get(BY_ID)
      .query({ per_page: '100', page: '2' })
      .reply(200, [comment(2, 'ship it')], next(3))
      .get(BY_ID)
      .query({ per_page: '100', page: '3' })
      .reply(200, [comment(3, `${COMMENT_MARKER}\nreport`, BOT)]);
    const found = (await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, ACTIONS)).ours;
    assert.deepEqual(found, { id: 3, body: `${COMMENT_MARKER}\nreport`, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-3', author: BOT });
    scope.done();
  });

  it('counts a comment only when its body starts with the marker: quoting it elsewhere does not', async () => {
    github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [
        comment(1, `> ${COMMENT_MARKER}\n> the gate said no`),
        comment(2, `Why did ${COMMENT_MARKER} fail?`, BOT),
        comment(3, '<!-- binauthz-gate:staging -->\nanother gate', BOT),
      ]);
    assert.equal((await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, ACTIONS)).ours, null);
  });

  it('tells named markers apart', async () => {
    github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(1, `${COMMENT_MARKER}\ndefault`, BOT), comment(2, '<!-- binauthz-gate:prod -->\nprod', BOT)]);
    assert.equal((await findStickyComment(octokit(), ISSUE, '<!-- binauthz-gate:prod -->', ACTIONS)).ours?.id, 2);
  });

  it("takes the oldest comment by the token's own account, and counts (never takes) the others with the marker", async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(1, `${COMMENT_MARKER}\n## pass (mallory wrote this)`, MALLORY), comment(2, `${COMMENT_MARKER}\nthe gate's`, BOT)], next(2))
      .get(BY_ID)
      .query(true)
      .reply(200, [comment(3, `${COMMENT_MARKER}\na duplicate`, BOT), comment(4, `${COMMENT_MARKER}\nanother app`, { login: 'other-app[bot]', type: 'Bot' })]);
    const search = await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, ACTIONS);
    assert.deepEqual({ id: search.ours?.id, foreign: search.foreign, highestId: search.highestId }, { id: 2, foreign: 2, highestId: 4 });
    scope.done();
  });

  it('for an app token, a user named like the app is not the app', async () => {
    github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(1, `${COMMENT_MARKER}\nhi`, { login: 'github-actions', type: 'User' })]);
    const search = await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, ACTIONS);
    assert.deepEqual({ ours: search.ours, foreign: search.foreign }, { ours: null, foreign: 1 });
  });

  it("for a personal access token, the comment is the one its user wrote; a bot's is not", async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(
        200,
        [comment(1, 'hello'), comment(4, `${COMMENT_MARKER}\nbot`, BOT), comment(5, `${COMMENT_MARKER}\nold`, { login: 'OctoCat', type: 'User' })],
        next(2),
      )
      .get(BY_ID)
      .query(true)
      .reply(200, [comment(7, `${COMMENT_MARKER}\nnewer`, MALLORY), comment(8, `${COMMENT_MARKER}\nghost`, null)]);
    const search = await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, OCTOCAT);
    assert.deepEqual({ id: search.ours?.id, foreign: search.foreign }, { id: 5, foreign: 3 });
    scope.done();
  });

  it('takes no comment at all when the identity is unknown', async () => {
    github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(2, `${COMMENT_MARKER}\nthe gate's`, BOT)]);
    const search = await findStickyComment(octokit(), ISSUE, COMMENT_MARKER, UNKNOWN);
    assert.deepEqual({ ours: search.ours, foreign: search.foreign }, { ours: null, foreign: 1 });
  });

  it("refuses an empty or foreign marker, which would claim other people's comments", async () => {
    await assert.rejects(findStickyComment(octokit(), ISSUE, '', ACTIONS), /Invalid comment marker ''/);
    await assert.rejects(findStickyComment(octokit(), ISSUE, '<!-- other -->', ACTIONS), /Invalid comment marker/);
  });
});

describe('upsertStickyComment', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('creates the comment, marker first, when there is none', async () => {
    const scope = github()
      .get(COMMENTS)
      .query({ per_page: '100' })
      .reply(200, [comment(1, 'first!')])
      .post(COMMENTS, { body: `${COMMENT_MARKER}\n## binauthz-gate: pass` })
      .reply(201, comment(42, `${COMMENT_MARKER}\n## binauthz-gate: pass`, BOT));
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## binauthz-gate: pass', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(result, { action: 'created', id: 42, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-42', foreign: 0 });
    scope.done();
  });

  it('does not add the marker twice when the body already starts with it', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [])
      .post(COMMENTS, { body: `${COMMENT_MARKER}\nreport` })
      .reply(201, comment(42, `${COMMENT_MARKER}\nreport`, BOT));
    await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, `${COMMENT_MARKER}\nreport`, { createIfMissing: true, identity: ACTIONS });
    scope.done();
  });

  it('updates its own comment in place and touches no other', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [
        comment(10, `> ${COMMENT_MARKER}\nquoted`, HUMAN),
        comment(11, `${COMMENT_MARKER}\n## fail`, BOT),
        comment(12, '<!-- binauthz-gate:prod -->\nprod', BOT),
      ])
      .patch('/repos/octo-org/hello/issues/comments/11', { body: `${COMMENT_MARKER}\n## pass` })
      .reply(200, comment(11, `${COMMENT_MARKER}\n## pass`, BOT));
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## pass', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(result, { action: 'updated', id: 11, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-11', foreign: 0 });
    scope.done();
    assert.deepEqual(nock.pendingMocks(), []);
  });

  it('leaves an identical comment alone (CRLF line endings included)', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(11, `${COMMENT_MARKER}\r\n## pass\r\n- web: ok`, BOT)]);
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## pass\n- web: ok', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(result, { action: 'unchanged', id: 11, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-11', foreign: 0 });
    scope.done();
  });

  it('creates nothing when asked only to update and there is no comment', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(1, 'hello')]);
    assert.deepEqual(await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'report', { createIfMissing: false, identity: ACTIONS }), {
      action: 'skipped',
      id: null,
      url: null,
      foreign: 0,
    });
    scope.done();
  });

  it('still updates an existing comment when asked only to update', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(11, `${COMMENT_MARKER}\nold`, BOT)])
      .patch('/repos/octo-org/hello/issues/comments/11', { body: `${COMMENT_MARKER}\nnew` })
      .reply(200, comment(11, `${COMMENT_MARKER}\nnew`, BOT));
    assert.equal((await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: false, identity: ACTIONS })).action, 'updated');
    scope.done();
  });

  it("returns forbidden, not an exception, when a fork's read-only token may not comment (403)", async () => {
    github().get(COMMENTS).query(true).reply(200, []).post(COMMENTS).reply(403, {
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '403',
    });
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'report', { createIfMissing: true, identity: ACTIONS });
    assert.equal(result.action, 'forbidden');
    assert.ok(result.action === 'forbidden');
    assert.match(
      result.message,
      /^failed to create a comment on octo-org\/hello#4: HTTP 403: Resource not accessible by integration \(the token may not comment here/,
    );
    assert.ok(!result.message.includes(TOKEN));
  });

  it('returns forbidden on a 404 when updating, and when the comments cannot be read', async () => {
    github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(11, `${COMMENT_MARKER}\nold`, BOT)])
      .patch('/repos/octo-org/hello/issues/comments/11')
      .reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const update = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: ACTIONS });
    assert.ok(update.action === 'forbidden' && update.message.startsWith('failed to update comment 11 on octo-org/hello#4: HTTP 404: Not Found'));

    github().get(COMMENTS).query(true).reply(403, { message: 'Resource not accessible by integration' });
    const list = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: ACTIONS });
    assert.ok(list.action === 'forbidden' && list.message.startsWith('failed to list the comments on octo-org/hello#4: HTTP 403'));
  });

  it('gives up on a PATCH that keeps failing after 3 tries, reading back between them, naming the call and keeping the cause', async () => {
    const old = [comment(123, `${COMMENT_MARKER}\nold`, BOT)];
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .times(3)
      .reply(200, old)
      .patch('/repos/octo-org/hello/issues/comments/123')
      .times(3)
      .reply(500, { message: 'Server Error' });
    const error = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: ACTIONS }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as Error,
    );
    assert.equal(error.message, 'failed to update comment 123 on octo-org/hello#4: HTTP 500: Server Error');
    assert.equal((error.cause as { status?: number }).status, 500);
    assert.ok(!error.message.includes(TOKEN));
    scope.done();
  });

  it('a PATCH whose answer was lost but which was applied is read back and not sent again', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(123, `${COMMENT_MARKER}\nold`, BOT)])
      .patch('/repos/octo-org/hello/issues/comments/123')
      .reply(502, { message: 'Bad Gateway' })
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(123, `${COMMENT_MARKER}\nnew`, BOT)]);
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(result, { action: 'updated', id: 123, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-123', foreign: 0 });
    scope.done();
  });

  it('a POST that failed is read back: created already means no second POST; not there means one more', async () => {
    const created = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(7, 'lgtm')])
      .post(COMMENTS)
      .reply(502, { message: 'Bad Gateway' })
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(7, 'lgtm'), comment(8, `${COMMENT_MARKER}\nreport`, MALLORY), comment(9, `${COMMENT_MARKER}\nreport`, BOT)]);
    const first = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'report', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(first, { action: 'created', id: 9, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-9', foreign: 0 });
    created.done();

    const missing = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [])
      .post(COMMENTS)
      .reply(503, { message: 'Service Unavailable' })
      .get(COMMENTS)
      .query(true)
      .reply(200, [])
      .post(COMMENTS)
      .reply(201, comment(10, `${COMMENT_MARKER}\nreport`, BOT));
    const second = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'report', { createIfMissing: true, identity: ACTIONS });
    assert.equal(second.action === 'created' && second.id, 10);
    missing.done();
  });

  it('never edits a marker comment by someone else: writes its own and says how many it left alone', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(5, `${COMMENT_MARKER}\n## ✅ pass`, MALLORY)])
      .post(COMMENTS, { body: `${COMMENT_MARKER}\n## ❌ fail` })
      .reply(201, comment(6, `${COMMENT_MARKER}\n## ❌ fail`, BOT));
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, '## ❌ fail', { createIfMissing: true, identity: ACTIONS });
    assert.deepEqual(result, { action: 'created', id: 6, url: 'https://github.com/octo-org/hello/pull/4#issuecomment-6', foreign: 1 });
    scope.done();
  });

  it('with an unknown identity, writes a new comment rather than edit one it cannot prove is its own', async () => {
    const scope = github()
      .get(COMMENTS)
      .query(true)
      .reply(200, [comment(5, `${COMMENT_MARKER}\nold`, BOT)])
      .post(COMMENTS)
      .reply(201, comment(6, `${COMMENT_MARKER}\nnew`, BOT));
    const result = await upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'new', { createIfMissing: true, identity: UNKNOWN });
    assert.equal(result.action === 'created' && result.id, 6);
    scope.done();
  });

  it('throws on bad credentials (401): that is a misconfiguration, not a fork', async () => {
    github().get(COMMENTS).query(true).reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    await assert.rejects(upsertStickyComment(octokit(), ISSUE, COMMENT_MARKER, 'x', { createIfMissing: true, identity: ACTIONS }), {
      message: 'failed to list the comments on octo-org/hello#4: HTTP 401: Bad credentials',
    });
  });
});

describe('a comment whose html_url is not a plain web address is a wrong answer', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  for (const url of [
    'javascript:alert(1)',
    'not a url',
    'https://github.com/o/r/pull/4\n::error::forged',
    'https://github.com/o/r\u0007',
    'https://github.com/\u202eo',
    'file:///etc/passwd',
  ]) {
    it(`refuses ${JSON.stringify(url)}`, async () => {
      github()
        .get(COMMENTS)
        .query(true)
        .reply(200, [{ ...comment(3, `${COMMENT_MARKER}\nreport`, BOT), html_url: url }]);
      await assert.rejects(findStickyComment(octokit(), ISSUE, COMMENT_MARKER, ACTIONS), /GitHub answered a comment without an id or an http\(s\) html_url/);
    });
  }
});
