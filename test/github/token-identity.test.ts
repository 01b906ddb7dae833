// Who the token writes as (src/github/token-identity.ts), checked with nock against the answers
// GitHub gives a personal access token, an installation token (GITHUB_TOKEN, an app's) and neither.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import { createGitHubClient } from '../../src/action/github-client.ts';
import { graphqlUrl, isAuthor, resolveTokenIdentity } from '../../src/github/token-identity.ts';

const API = 'https://api.github.com';
const TOKEN = 'ghs_identityTestToken0123456789abcdefgh';
const octokit = () => createGitHubClient(TOKEN, API);
const INTEGRATION = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
  status: '403',
};

describe('resolveTokenIdentity', () => {
  before(() => nock.disableNetConnect());
  beforeEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('a personal access token is the login GET /user gives, and only that user', async () => {
    const scope = nock(API).get('/user').reply(200, { login: 'octocat', type: 'User' });
    const identity = await resolveTokenIdentity(octokit(), graphqlUrl(API));
    assert.deepEqual(identity, { kind: 'known', logins: ['octocat'], botOnly: false, how: 'GET /user' });
    assert.ok(isAuthor(identity, { login: 'OctoCat', type: 'User' }));
    assert.ok(!isAuthor(identity, { login: 'github-actions[bot]', type: 'Bot' }));
    assert.ok(!isAuthor(identity, null));
    scope.done();
  });

  it('an installation token (403 on GET /user) is the bot the GraphQL viewer names, in either spelling, and only as a Bot', async () => {
    const scope = nock(API)
      .get('/user')
      .reply(403, INTEGRATION)
      .post('/graphql', { query: 'query { viewer { login } }' })
      .reply(200, { data: { viewer: { login: 'github-actions' } } });
    const identity = await resolveTokenIdentity(octokit(), graphqlUrl(API));
    assert.deepEqual(identity, { kind: 'known', logins: ['github-actions', 'github-actions[bot]'], botOnly: true, how: 'GraphQL viewer' });
    assert.ok(isAuthor(identity, { login: 'github-actions[bot]', type: 'Bot' }));
    assert.ok(!isAuthor(identity, { login: 'github-actions', type: 'User' }), 'a user named like the app is not the app');
    assert.ok(!isAuthor(identity, { login: 'mallory', type: 'User' }));
    scope.done();
  });

  it('a viewer login that already ends in [bot] is taken as is', async () => {
    nock(API)
      .get('/user')
      .reply(403, INTEGRATION)
      .post('/graphql')
      .reply(200, { data: { viewer: { login: 'my-app[bot]' } } });
    const identity = await resolveTokenIdentity(octokit(), graphqlUrl(API));
    assert.ok(identity.kind === 'known' && identity.logins.length === 1 && identity.logins[0] === 'my-app[bot]');
  });

  it('is unknown, with why, when the viewer cannot be read or its answer is not a login', async () => {
    nock(API)
      .get('/user')
      .reply(403, INTEGRATION)
      .post('/graphql')
      .reply(200, { errors: [{ message: 'Resource not accessible by integration' }] });
    const first = await resolveTokenIdentity(octokit(), graphqlUrl(API));
    assert.deepEqual(first, {
      kind: 'unknown',
      why: 'GET /user: HTTP 403: Resource not accessible by integration; GraphQL viewer: the answer has no valid login',
    });
    nock(API).get('/user').reply(404, { message: 'Not Found' }).post('/graphql').reply(403, { message: 'Forbidden' });
    assert.equal((await resolveTokenIdentity(octokit(), graphqlUrl(API))).kind, 'unknown');
    nock(API)
      .get('/user')
      .reply(403, INTEGRATION)
      .post('/graphql')
      .reply(200, { data: { viewer: { login: 'x --> <b>' } } });
    assert.equal((await resolveTokenIdentity(octokit(), graphqlUrl(API))).kind, 'unknown');
  });

  it('throws on bad credentials, and on a GET /user answer without a login', async () => {
    nock(API).get('/user').reply(401, { message: 'Bad credentials' });
    await assert.rejects(resolveTokenIdentity(octokit(), graphqlUrl(API)), {
      message: 'failed to find who the token is (GET /user): HTTP 401: Bad credentials',
    });
    nock(API).get('/user').reply(200, '<html>');
    await assert.rejects(resolveTokenIdentity(octokit(), graphqlUrl(API)), /the answer has no valid login/);
  });

  it('finds the GraphQL endpoint for github.com and GitHub Enterprise Server', () => {
    assert.equal(graphqlUrl('https://api.github.com'), 'https://api.github.com/graphql');
    assert.equal(graphqlUrl('https://ghe.example.com/api/v3/'), 'https://ghe.example.com/api/graphql');
    assert.equal(graphqlUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/graphql');
  });
});
