// The deadline, retry and paging bounds every GitHub call shares (src/github/rest.ts): through
// the action's real Octokit client against nock, and against the loopback fake for hangs and resets.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { createGitHubClient } from '../../src/action/github-client.ts';
import { boundedClient, brief, classifyGitHubFailure, describeFailure, MAX_PAGES, pagesOf, type GitHubClientLike } from '../../src/github/rest.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';

const API = 'https://api.github.com';
const TOKEN = 'ghs_restBoundsTestToken0123456789abcdef';
const PATH = '/repos/o/r/issues/1/comments';
const FIRST = { route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', parameters: { owner: 'o', repo: 'r', issue_number: 1 } };
const noSleep = { sleep: async () => {} };

const bounded = (deadlineMs = 10_000, callTimeoutMs = 5_000, extra = {}) =>
  boundedClient(createGitHubClient(TOKEN, API), { deadline: Date.now() + deadlineMs, callTimeoutMs, ...noSleep, ...extra });

async function readAll(client: GitHubClientLike, maxPages?: number): Promise<number> {
  let items = 0;
  for await (const page of pagesOf(client, FIRST, 'comments', maxPages)) items += page.length;
  return items;
}

describe('boundedClient', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('retries a read on 502, 429 and a reset connection, then answers', async () => {
    const scope = nock(API)
      .get(PATH)
      .reply(502, { message: 'Bad Gateway' })
      .get(PATH)
      .reply(429, { message: 'API rate limit exceeded' }, { 'retry-after': '0' })
      .get(PATH)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get(PATH)
      .reply(200, [{ id: 1 }]);
    const answer = await bounded().request('GET /repos/o/r/issues/1/comments');
    assert.deepEqual(answer.data, [{ id: 1 }]);
    scope.done();
  });

  it('honours Retry-After: waits what GitHub asks', async () => {
    const waits: number[] = [];
    const scope = nock(API).get(PATH).reply(429, { message: 'slow down' }, { 'retry-after': '3' }).get(PATH).reply(200, []);
    await bounded(60_000, 5_000, { sleep: async (ms: number) => void waits.push(ms) }).request('GET /repos/o/r/issues/1/comments');
    assert.deepEqual(waits, [3000]);
    scope.done();
  });

  it('gives up at once when Retry-After would pass the deadline, naming the call', async () => {
    nock(API).get(PATH).reply(429, { message: 'slow down' }, { 'retry-after': '120' });
    await assert.rejects(
      bounded(2_000).request('GET /repos/o/r/issues/1/comments'),
      /^\w+: GET \/repos\/o\/r\/issues\/1\/comments: no answer within the time limit \(timeout\) \(last: HTTP 429: slow down\)$/,
    );
  });

  it('does not retry 401, 403, 404 or 422: those are answers', async () => {
    for (const status of [401, 403, 404, 422]) {
      const scope = nock(API)
        .get(PATH)
        .reply(status, { message: `status ${status}` });
      await assert.rejects(bounded().request('GET /repos/o/r/issues/1/comments'), (e: unknown) => (e as { status?: number }).status === status);
      scope.done();
    }
  });

  it('never repeats a write: a POST that failed is tried once', async () => {
    const scope = nock(API).post(PATH).reply(502, { message: 'Bad Gateway' });
    await assert.rejects(bounded().request('POST /repos/o/r/issues/1/comments', { body: 'x' }), (e: unknown) => (e as { status?: number }).status === 502);
    scope.done();
    assert.deepEqual(nock.pendingMocks(), []);
  });

  it('treats the GraphQL viewer query as a read (retried)', async () => {
    const scope = nock(API)
      .post('/graphql')
      .reply(503, { message: 'unavailable' })
      .post('/graphql')
      .reply(200, { data: { viewer: { login: 'x' } } });
    assert.deepEqual((await bounded().request(`POST ${API}/graphql`, { query: 'query { viewer { login } }' })).data, { data: { viewer: { login: 'x' } } });
    scope.done();
  });

  it('classifies failures: status first, then the code down the cause chain', () => {
    const now = Date.now();
    assert.deepEqual(classifyGitHubFailure({ status: 500, response: { headers: {} } }, now), { retryable: true, retryAfterMs: null });
    assert.deepEqual(classifyGitHubFailure({ status: 400, response: { headers: {} } }, now), { retryable: false });
    assert.deepEqual(classifyGitHubFailure({ status: 500, cause: { cause: { code: 'ECONNRESET' } } }, now), { retryable: true, retryAfterMs: null });
    assert.deepEqual(classifyGitHubFailure({ status: 500, cause: { code: 'ERR_INVALID_URL' } }, now), { retryable: false });
  });

  it("a 403 that is GitHub's rate limit is retried after the time it names; another 403 is an answer", () => {
    const now = 1_700_000_000_000;
    const forbidden = (headers: Record<string, string>) => classifyGitHubFailure({ status: 403, response: { headers } }, now);
    assert.deepEqual(forbidden({ 'retry-after': '7' }), { retryable: true, retryAfterMs: 7000 });
    assert.deepEqual(forbidden({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 12) }), { retryable: true, retryAfterMs: 12_000 });
    assert.deepEqual(forbidden({ 'x-ratelimit-remaining': '12' }), { retryable: false });
    assert.deepEqual(forbidden({}), { retryable: false });
  });
});

describe('boundedClient against the loopback fake', () => {
  it('ends a hung call within its time and retries: a hang then an answer', async (t) => {
    const github = await startFakeGitHub({ token: TOKEN });
    t.after(() => github.close());
    github.state.pulls.set(1, { files: [] });
    github.hostile('GET /repos/Codertocat/Hello-World/pulls/1', { kind: 'hang' }, 1);
    const client = boundedClient(createGitHubClient(TOKEN, github.url), { deadline: Date.now() + 10_000, callTimeoutMs: 300 });
    const started = Date.now();
    const answer = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'Codertocat', repo: 'Hello-World', pull_number: 1 });
    assert.equal((answer.data as { number: number }).number, 1);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    assert.equal(github.requests.length, 2);
  });

  it('a call that always hangs fails by the deadline, naming the call', async (t) => {
    const github = await startFakeGitHub({ token: TOKEN });
    t.after(() => github.close());
    github.hostile(() => true, { kind: 'hang' });
    const client = boundedClient(createGitHubClient(TOKEN, github.url), { deadline: Date.now() + 1_500, callTimeoutMs: 400 });
    const started = Date.now();
    await assert.rejects(client.request('GET /user'), /^\w+: GET \/user: no answer within the time limit \(timeout\) \(last: no answer within \d+ ms\)$/);
    const took = Date.now() - started;
    assert.ok(took < 2_500, `took ${took} ms`);
  });

  it('retries a reset connection', async (t) => {
    const github = await startFakeGitHub({ token: TOKEN, tokenKind: 'user', user: { login: 'octocat', type: 'User' } });
    t.after(() => github.close());
    github.hostile('GET /user', { kind: 'reset' }, 2);
    const client = boundedClient(createGitHubClient(TOKEN, github.url), { deadline: Date.now() + 10_000, callTimeoutMs: 2_000 });
    assert.equal(((await client.request('GET /user')).data as { login: string }).login, 'octocat');
    assert.equal(github.requests.length, 3);
  });

  it('a looping fake ends too', async (t) => {
    const github = await startFakeGitHub({ token: TOKEN });
    t.after(() => github.close());
    github.hostile(/^GET .*\/comments/, { kind: 'loop' });
    const client = boundedClient(createGitHubClient(TOKEN, github.url), { deadline: Date.now() + 5_000, callTimeoutMs: 2_000 });
    const first = { ...FIRST, parameters: { owner: 'Codertocat', repo: 'Hello-World', issue_number: 2 } };
    const read = async () => {
      for await (const _ of pagesOf(client, first, 'comments'));
    };
    await assert.rejects(read(), /links back to a page it already gave/);
    assert.equal(github.requests.length, 1);
  });
});

describe('pagesOf', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  const page = (n: number) => `${API}/repositories/9/issues/1/comments?per_page=100&page=${n}`;

  it('refuses a Link that leads back to a page it gave, naming the API', async () => {
    nock(API)
      .get(PATH)
      .query(true)
      .reply(200, [{}], { link: `<${page(2)}>; rel="next"` })
      .get('/repositories/9/issues/1/comments')
      .query({ per_page: '100', page: '2' })
      .reply(200, [{}], { link: `<${page(2)}>; rel="next"` });
    await assert.rejects(
      readAll(bounded()),
      /^\w+: GitHub's list of comments \(GET \/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}\/comments\) links back to a page it already gave \(\/repositories\/9\/issues\/1\/comments\?page=2&per_page=100\): a paging loop$/,
    );
  });

  it('stops after the most pages it reads, even when every link is new', async () => {
    let scope = nock(API)
      .get(PATH)
      .query(true)
      .reply(200, [{}], { link: `<${page(2)}>; rel="next"` });
    for (let n = 2; n <= 4; n++)
      scope = scope
        .get('/repositories/9/issues/1/comments')
        .query({ per_page: '100', page: String(n) })
        .reply(200, [{}], { link: `<${page(n + 1)}>; rel="next"` });
    await assert.rejects(readAll(bounded(), 4), /GitHub's list of comments \(.*\) has more than 4 pages, the most read/);
    scope.done();
    assert.equal(MAX_PAGES, 100);
  });

  it('refuses a page longer than asked for', async () => {
    nock(API)
      .get(PATH)
      .query(true)
      .reply(
        200,
        Array.from({ length: 101 }, () => ({})),
      );
    await assert.rejects(readAll(bounded()), /answered 101 items on a page of at most 100/);
  });
});

describe("the action's GitHub client bounds every answer by the bytes received", () => {
  it('a list page over the limit is an error, not a truncated list; a small one reads as usual', async (t) => {
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      // chunked, no Content-Length: only counting the bytes received can stop it
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url?.startsWith('/big')) response.end(JSON.stringify(Array.from({ length: 100 }, () => ({ body: 'x'.repeat(2_000) }))));
      else response.end('[{"id":1}]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const client = boundedClient(createGitHubClient(TOKEN, url, 50_000), { deadline: Date.now() + 5_000, callTimeoutMs: 2_000 });
    const read = async (path: string) => {
      const items: unknown[] = [];
      for await (const page of pagesOf(client, { route: `GET ${path}`, parameters: {} }, 'comments')) items.push(...page);
      return items;
    };
    assert.deepEqual(await read('/small'), [{ id: 1 }]);
    await assert.rejects(read('/big'), /^HttpError: the answer from http:\/\/127\.0\.0\.1:\d+ is over the 50000-byte limit$/);
  });
});

describe('describeFailure', () => {
  it("keeps GitHub's message to one line of at most 200 characters", () => {
    const error = Object.assign(new Error('x'), { status: 422, response: { data: { message: `first line\n::error::forged ${'y'.repeat(1_000)}` } } });
    const text = describeFailure(error);
    assert.ok(text.startsWith('HTTP 422: first line ::error::forged yyy'));
    assert.ok(!text.includes('\n'));
    assert.equal(text.length, 'HTTP 422: '.length + 201);
    assert.ok(text.endsWith('y…'));
    assert.equal(brief('  short\t message '), 'short message');
  });
});
