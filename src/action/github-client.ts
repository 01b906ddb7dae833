// The GitHub REST client the action uses. @octokit/core is what @actions/github's getOctokit
// wraps, without the 100 KB of generated endpoint methods (every call here is a request()).
// Node's own fetch: the same client in tests and bundle, and proxies via NODE_USE_ENV_PROXY.
// Every answer's body is bounded by the bytes actually received, whatever Content-Length says.
import { Octokit } from '@octokit/core';
import { RemoteFailure } from '../errors.ts';
import { BodyTooLargeError, readLimitedBody } from '../net/bounded-body.ts';

export type GitHubClient = Octokit;

/** The most one GitHub answer may carry: a page of 100 files with their patches, with room to spare. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function createGitHubClient(token: string, baseUrl: string, maxResponseBytes: number = MAX_RESPONSE_BYTES): GitHubClient {
  return new Octokit({ auth: token, baseUrl, userAgent: 'binauthz-gate', request: { fetch: boundedFetch(maxResponseBytes) } });
}

/**
 * `fetch` that reads each answer's body itself (readLimitedBody counts the bytes received) and
 * fails, naming the origin and the limit, once more than `maxBytes` arrive; Octokit then parses
 * the bytes kept.
 */
function boundedFetch(maxBytes: number, inner: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.body === null) return response;
    let body: Uint8Array;
    try {
      body = await readLimitedBody(response, maxBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      throw Object.assign(
        new RemoteFailure(`the answer from ${URL.canParse(response.url) ? new URL(response.url).origin : 'GitHub'} is over the ${maxBytes}-byte limit`, {
          cause: error,
        }),
        { code: 'ERR_RESPONSE_TOO_LARGE' },
      );
    }
    const bounded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    // Octokit pages by, and checks the origin of, the URL that answered.
    Object.defineProperty(bounded, 'url', { value: response.url });
    return bounded;
  };
}
