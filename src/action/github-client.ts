// The GitHub REST client the action uses. @octokit/core is what @actions/github's getOctokit
// wraps, without the 100 KB of generated endpoint methods (every call here is a request()).
// Node's own fetch: the same client in tests and bundle, and proxies via NODE_USE_ENV_PROXY.
import { Octokit } from '@octokit/core';

export type GitHubClient = Octokit;

export function createGitHubClient(token: string, baseUrl: string): GitHubClient {
  return new Octokit({ auth: token, baseUrl, userAgent: 'binauthz-gate', request: { fetch: globalThis.fetch } });
}
