// What every GitHub REST list and call here shares: the one Octokit method used, paging by
// `Link: <…>; rel="next"` (never to another origin, which would get the token, never the same page
// twice, never more than MAX_PAGES), a deadline on every call with retries for reads, and failures
// re-wrapped with what was being done.
import { classifyHttpFailure, defaultRetryPolicy, DeadlineError, withRetry, type AttemptFailure, type RetryPolicy } from '../net/retry.ts';
import { withTimeLimit } from '../net/call-runner.ts';
import { RemoteFailure, messageOf } from '../errors.ts';

/** The one Octokit method the adapters use; the action's Octokit satisfies it, and so can a fake. */
export interface GitHubClientLike {
  request(route: string, parameters?: Record<string, unknown>): Promise<GitHubListResponse>;
}

export interface GitHubListResponse {
  /** the URL that answered, after redirects */
  readonly url: string;
  readonly headers: { readonly link?: string | undefined };
  readonly data: unknown;
}

const PER_PAGE = 100;

/**
 * Each page of a GitHub list, `what` naming its items in errors. A page seen before (a Link loop),
 * more than `maxPages` pages, or a page longer than asked for is an error naming the API.
 */
export async function* pagesOf(
  client: GitHubClientLike,
  first: { readonly route: string; readonly parameters: Record<string, unknown> },
  what: string,
  maxPages: number = MAX_PAGES,
): AsyncGenerator<unknown[]> {
  const api = `GitHub's list of ${what} (${first.route})`;
  const seen = new Set<string>();
  let response = await client.request(first.route, { ...first.parameters, per_page: PER_PAGE });
  for (let pages = 1; ; pages++) {
    if (!Array.isArray(response.data)) throw new RemoteFailure(`expected a JSON array of ${what} from ${response.url}`);
    if (response.data.length > PER_PAGE) throw new RemoteFailure(`${api} answered ${response.data.length} items on a page of at most ${PER_PAGE}`);
    seen.add(pageKey(response.url));
    yield response.data;
    const next = nextPageUrl(response);
    if (next === null) return;
    if (seen.has(pageKey(next))) throw new RemoteFailure(`${api} links back to a page it already gave (${pageKey(next)}): a paging loop`);
    if (pages >= maxPages) throw new RemoteFailure(`${api} has more than ${maxPages} pages, the most read`);
    response = await client.request(`GET ${next}`);
  }
}

/** A page's identity: its path and sorted query, so the first page (no `page=`) and `page=1` are one. */
function pageKey(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.searchParams.get('page') === '1') parsed.searchParams.delete('page');
  parsed.searchParams.sort();
  return `${parsed.pathname}?${parsed.searchParams.toString()}`;
}

/** The absolute URL of the next page, from `Link: <…>; rel="next"`; null on the last page. */
export function nextPageUrl(response: GitHubListResponse): string | null {
  const next = /<([^<>]+)>;\s*rel="next"/.exec(response.headers.link ?? '')?.[1];
  if (next === undefined) return null;
  if (new URL(next, response.url).origin !== new URL(response.url).origin) {
    throw new RemoteFailure(`refusing to follow a next-page link to another origin: ${new URL(next, response.url).origin}`);
  }
  return new URL(next, response.url).href;
}

/** "failed to ACTION: HTTP 500: GitHub's message", with the original error as cause. Never carries request headers. */
export function wrapFailure(action: string, error: unknown): RemoteFailure {
  return new RemoteFailure(`failed to ${action}: ${describeFailure(error)}`, { cause: error });
}

export function describeFailure(error: unknown): string {
  const e = error as { status?: unknown; message?: unknown; response?: { data?: unknown } } | null;
  if (e?.response !== undefined && typeof e.status === 'number') {
    const message = (e.response.data as { message?: unknown } | null)?.message;
    return `HTTP ${e.status}: ${brief(typeof message === 'string' ? message : String(e.message))}`;
  }
  return messageOf(error);
}

/** GitHub's message is an answer from outside: one line, at most 200 characters, in a warning. */
export function brief(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** The HTTP status an Octokit error carries, or null (network failures carry no response). */
export function statusOf(error: unknown): number | null {
  const e = error as { status?: unknown; response?: unknown } | null;
  return e?.response !== undefined && typeof e.status === 'number' ? e.status : null;
}

/** At most this many pages of any list (10,000 items at 100 a page): more is a loop or a hostile answer. */
export const MAX_PAGES = 100;

export interface Bounds {
  /** epoch milliseconds by which every GitHub call of the run must be done */
  readonly deadline: number;
  /** the most one attempt may take */
  readonly callTimeoutMs: number;
  /** test seams; default the clock, setTimeout and Math.random */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export function defaultBounds(deadline: number): Bounds {
  return { deadline, callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS };
}

/**
 * `client` with a deadline on every call: each attempt ends within `callTimeoutMs` and the run's
 * deadline (its signal aborts the fetch and a timer ends the wait even if the signal is ignored).
 * Reads (GET, and the GraphQL query POST) are retried on 429, 5xx and network failures with
 * backoff, honouring Retry-After; writes are tried once, the caller reads back before trying again.
 */
export function boundedClient(client: GitHubClientLike, bounds: Bounds): GitHubClientLike {
  const now = bounds.now ?? Date.now;
  return {
    request(route, parameters = {}) {
      const method = route.split(' ')[0]?.toUpperCase() ?? 'GET';
      const read = method === 'GET' || method === 'HEAD' || /^POST \S*\/graphql$/.test(route);
      const policy: RetryPolicy = { ...defaultRetryPolicy(bounds.deadline), now, ...(bounds.sleep ? { sleep: bounds.sleep } : {}), maxAttempts: read ? 6 : 1 };
      const attempt = (remaining: number) => attemptWithin(client, route, parameters, Math.min(bounds.callTimeoutMs, remaining));
      return withRetry(route, attempt, (error) => classifyGitHubFailure(error, now()), policy).catch((error: unknown) => {
        if (error instanceof DeadlineError)
          throw new RemoteFailure(`${route}: no answer within the time limit (timeout)${lastFailure(error)}`, { cause: error.cause });
        throw error;
      });
    },
  };
}

function lastFailure(error: DeadlineError): string {
  return error.failures.length === 0 ? '' : ` (last: ${describeFailure(error.failures.at(-1))})`;
}

function attemptWithin(client: GitHubClientLike, route: string, parameters: Record<string, unknown>, ms: number): Promise<GitHubListResponse> {
  return withTimeLimit((_, signal) => {
    const request = { ...(parameters['request'] as object | undefined), signal };
    return client.request(route, { ...parameters, request });
  }, ms);
}

/**
 * 429, 5xx and dropped connections are worth another try; so is a 403 that is GitHub's rate limit
 * (it carries Retry-After, or x-ratelimit-remaining: 0 with the reset time). Other statuses (401,
 * 403, 404, 422) are answers.
 */
export function classifyGitHubFailure(error: unknown, now: number): AttemptFailure {
  const status = statusOf(error);
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers ?? {};
  const header = (name: string): string | null => (typeof headers[name] === 'string' ? headers[name] : null);
  if (status === 403 && header('retry-after') !== null) return classifyHttpFailure(429, null, header('retry-after'), now);
  if (status === 403 && header('x-ratelimit-remaining') === '0') {
    const reset = Number(header('x-ratelimit-reset'));
    return { retryable: true, retryAfterMs: Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : null };
  }
  return classifyHttpFailure(status, codeOf(error), header('retry-after'), now);
}

/** The first `code` (or AbortError/TimeoutError name) down the cause chain: Octokit wraps undici's TypeError, which wraps the socket error. */
function codeOf(error: unknown): string | null {
  for (let e = error as { code?: unknown; name?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return e.name;
  }
  return null;
}
