// The pull request file list, checked with nock against the exact requests GitHub documents:
// path, query, auth header, Link-following across pages, the 3,000-file cap and the failures.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { createGitHubClient } from '../../src/action/github-client.ts';
import { listChangedFiles, MAX_LISTED_FILES } from '../../src/github/pull-request-files.ts';

const API = 'https://api.github.com';
const TOKEN = 'ghs_pullFilesTestToken0123456789abcdef';
const PULL = { owner: 'octo-org', repo: 'hello', pullNumber: 4 };
const FILES_PATH = '/repos/octo-org/hello/pulls/4/files';
const BY_ID = '/repositories/1296269/pulls/4/files';

const octokit = (baseUrl = API, token = TOKEN) => createGitHubClient(token, baseUrl);
const file = (n: number) => ({ filename: `deploy/svc-${n}.yaml`, status: 'modified' });
const link = (page: number, last: number, base = API) =>
  [`<${base}${BY_ID}?per_page=100&page=${page}>; rel="next"`, `<${base}${BY_ID}?per_page=100&page=${last}>; rel="last"`].join(', ');

describe('listChangedFiles', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('asks for 100 files a page with the token, and maps GitHub statuses', async () => {
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github.v3+json', 'user-agent': /octokit/ } })
      .get(FILES_PATH)
      .query({ per_page: '100' })
      .reply(200, [
        { filename: 'deploy/web.yaml', status: 'added' },
        { filename: 'deploy/job.yaml', status: 'modified' },
        { filename: 'deploy/old.yaml', status: 'removed' },
        { filename: 'deploy/api.yaml', status: 'renamed', previous_filename: 'deploy/api-v1.yaml' },
        { filename: 'deploy/copy.yaml', status: 'copied', previous_filename: 'deploy/web.yaml' },
        { filename: 'deploy/mode.sh', status: 'changed' },
        { filename: 'deploy/future.yaml', status: 'some-new-status' },
      ]);
    const result = await listChangedFiles(octokit(), PULL);
    assert.deepEqual(result, {
      truncated: false,
      files: [
        { path: 'deploy/web.yaml', status: 'added', previousPath: null },
        { path: 'deploy/job.yaml', status: 'modified', previousPath: null },
        { path: 'deploy/api.yaml', status: 'renamed', previousPath: 'deploy/api-v1.yaml' },
        { path: 'deploy/copy.yaml', status: 'copied', previousPath: 'deploy/web.yaml' },
        { path: 'deploy/mode.sh', status: 'changed', previousPath: null },
        { path: 'deploy/future.yaml', status: 'changed', previousPath: null },
      ],
    });
    scope.done();
  });

  it('follows the Link header across 3 pages, to the /repositories/ID URLs GitHub gives', async () => {
    const auth = { reqheaders: { authorization: `token ${TOKEN}` } };
    const scope = nock(API, auth)
      .get(FILES_PATH)
      .query({ per_page: '100' })
      .reply(
        200,
        Array.from({ length: 100 }, (_, i) => file(i)),
        { link: link(2, 3) },
      )
      .get(BY_ID)
      .query({ per_page: '100', page: '2' })
      .reply(
        200,
        Array.from({ length: 100 }, (_, i) => file(100 + i)),
        { link: `<${API}${BY_ID}?per_page=100&page=3>; rel="next", <${API}${BY_ID}?per_page=100&page=1>; rel="first"` },
      )
      .get(BY_ID)
      .query({ per_page: '100', page: '3' })
      .reply(200, [file(200), { filename: 'gone.yaml', status: 'removed' }], { link: `<${API}${BY_ID}?per_page=100&page=2>; rel="prev"` });
    const { files, truncated } = await listChangedFiles(octokit(), PULL);
    assert.equal(files.length, 201);
    assert.equal(files[200]?.path, 'deploy/svc-200.yaml');
    assert.equal(truncated, false);
    scope.done();
  });

  it("stops at GitHub's 3,000 files and reports truncation from the pull request's changed_files", async () => {
    const scope = capPages(31).get('/repos/octo-org/hello/pulls/4').reply(200, { number: 4, changed_files: 3512 });
    const { files, truncated } = await listChangedFiles(octokit(), PULL);
    assert.equal(files.length, MAX_LISTED_FILES);
    assert.equal(truncated, true);
    scope.done();
  });

  it('is not truncated when the pull request changes exactly 3,000 files', async () => {
    const scope = capPages(30).get('/repos/octo-org/hello/pulls/4').reply(200, { number: 4, changed_files: 3000 });
    const { files, truncated } = await listChangedFiles(octokit(), PULL);
    assert.equal(files.length, 3000);
    assert.equal(truncated, false);
    scope.done();
  });

  it('sends a JWT-shaped token as a bearer token', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjMifQ.c2lnbmF0dXJl';
    const scope = nock(API, { reqheaders: { authorization: `bearer ${jwt}` } })
      .get(FILES_PATH)
      .query({ per_page: '100' })
      .reply(200, []);
    assert.deepEqual(await listChangedFiles(octokit(API, jwt), PULL), { files: [], truncated: false });
    scope.done();
  });

  it('uses the GitHub Enterprise Server base URL it is given, /api/v3 included', async () => {
    const ghes = 'https://ghe.example.com/api/v3';
    const scope = nock('https://ghe.example.com', { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(`/api/v3${FILES_PATH}`)
      .query({ per_page: '100' })
      .reply(200, [file(1)], { link: `<https://ghe.example.com/api/v3${BY_ID}?per_page=100&page=2>; rel="next"` })
      .get(`/api/v3${BY_ID}`)
      .query({ per_page: '100', page: '2' })
      .reply(200, [file(2)]);
    const { files } = await listChangedFiles(octokit(ghes), PULL);
    assert.deepEqual(
      files.map((f) => f.path),
      ['deploy/svc-1.yaml', 'deploy/svc-2.yaml'],
    );
    scope.done();
  });

  it('refuses to follow a next link to another origin, which would receive the token', async () => {
    nock(API)
      .get(FILES_PATH)
      .query(true)
      .reply(200, [file(1)], { link: '<https://evil.example/steal?page=2>; rel="next"' });
    await assert.rejects(
      listChangedFiles(octokit(), PULL),
      /failed to list the files of octo-org\/hello#4: refusing to follow a next-page link to another origin: https:\/\/evil\.example/,
    );
  });

  it("names the pull request, the status and GitHub's message on failure, keeping the cause and never the token", async () => {
    nock(API)
      .get(FILES_PATH)
      .query(true)
      .reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests-files', status: '404' });
    const error = await listChangedFiles(octokit(), PULL).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as Error,
    );
    assert.equal(error.message, 'failed to list the files of octo-org/hello#4: HTTP 404: Not Found');
    assert.equal((error.cause as { status?: number }).status, 404);
    assert.ok(!JSON.stringify(error, Object.getOwnPropertyNames(error)).includes(TOKEN));
    assert.ok(!String((error.cause as Error).stack).includes(TOKEN));
  });

  it('fails when counting the files after the cap fails, naming that call', async () => {
    capPages(30).get('/repos/octo-org/hello/pulls/4').reply(502, { message: 'Server Error' });
    await assert.rejects(listChangedFiles(octokit(), PULL), { message: 'failed to count the files of octo-org/hello#4: HTTP 502: Server Error' });
  });
});

/** 30 full pages of 100 files; with `lastPage` 31, page 30 still links to a page 31 that must never be asked for. */
function capPages(lastPage: number): nock.Scope {
  let scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
    .get(FILES_PATH)
    .query({ per_page: '100' })
    .reply(
      200,
      Array.from({ length: 100 }, (_, i) => file(i)),
      { link: link(2, lastPage) },
    );
  for (let page = 2; page <= 30; page += 1) {
    const headers = page < lastPage ? { link: link(page + 1, lastPage) } : {};
    scope = scope
      .get(BY_ID)
      .query({ per_page: '100', page: String(page) })
      .reply(
        200,
        Array.from({ length: 100 }, (_, i) => file(page * 100 + i)),
        headers,
      );
  }
  return scope;
}

describe('a file entry GitHub answers without a filename', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('is named in the failure by at most 200 characters of it, however large its patch', async () => {
    nock(API)
      .get(FILES_PATH)
      .query(true)
      .reply(200, [{ status: 'modified', patch: 'x'.repeat(1_000_000) }]);
    await assert.rejects(listChangedFiles(octokit(), PULL), (error: Error) => {
      assert.match(error.message, /without a filename or status: \{"status":"modified","patch":"x+$/);
      assert.ok(error.message.length < 400, `${error.message.length} characters`);
      return true;
    });
  });
});
