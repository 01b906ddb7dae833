// What every GitHub REST list and call here shares: the one Octokit method used, paging by
// `Link: <…>; rel="next"` (never to another origin, which would get the token), and failures
// re-wrapped with what was being done.

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

/** Each page of a GitHub list, `what` naming its items in errors. */
export async function* pagesOf(
  client: GitHubClientLike,
  first: { readonly route: string; readonly parameters: Record<string, unknown> },
  what: string,
): AsyncGenerator<unknown[]> {
  let response = await client.request(first.route, { ...first.parameters, per_page: PER_PAGE });
  for (;;) {
    if (!Array.isArray(response.data)) throw new Error(`expected a JSON array of ${what} from ${response.url}`);
    yield response.data;
    const next = nextPageUrl(response);
    if (next === null) return;
    response = await client.request(`GET ${next}`);
  }
}

/** The absolute URL of the next page, from `Link: <…>; rel="next"`; null on the last page. */
export function nextPageUrl(response: GitHubListResponse): string | null {
  const next = /<([^<>]+)>;\s*rel="next"/.exec(response.headers.link ?? '')?.[1];
  if (next === undefined) return null;
  if (new URL(next, response.url).origin !== new URL(response.url).origin) {
    throw new Error(`refusing to follow a next-page link to another origin: ${new URL(next, response.url).origin}`);
  }
  return new URL(next, response.url).href;
}

/** "failed to ACTION: HTTP 500: GitHub's message", with the original error as cause. Never carries request headers. */
export function wrapFailure(action: string, error: unknown): Error {
  return new Error(`failed to ${action}: ${describeFailure(error)}`, { cause: error });
}

export function describeFailure(error: unknown): string {
  const e = error as { status?: unknown; message?: unknown; response?: { data?: unknown } } | null;
  if (e?.response !== undefined && typeof e.status === 'number') {
    const message = (e.response.data as { message?: unknown } | null)?.message;
    return `HTTP ${e.status}: ${typeof message === 'string' ? message : String(e.message)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status an Octokit error carries, or null (network failures carry no response). */
export function statusOf(error: unknown): number | null {
  const e = error as { status?: unknown; response?: unknown } | null;
  return e?.response !== undefined && typeof e.status === 'number' ? e.status : null;
}
