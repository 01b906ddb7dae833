// The files a pull request changes, as GitHub lists them: every page, up to the 3,000 files
// GitHub serves, with `truncated` telling the caller when the pull request has more.
// Removed files are dropped (nothing left to check); renamed files keep their old path.

/** The one Octokit method this adapter uses; `getOctokit(token, { baseUrl })` satisfies it, and so can a fake. */
export interface PullRequestFilesClient {
  request(route: string, parameters?: Record<string, unknown>): Promise<GitHubListResponse>;
}

export interface GitHubListResponse {
  /** the URL that answered, after redirects */
  readonly url: string;
  readonly headers: { readonly link?: string | undefined };
  readonly data: unknown;
}

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly pullNumber: number;
}

/** GitHub's statuses, less `removed`. A status GitHub adds later is reported as `changed`. */
export type ChangedFileStatus = 'added' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface ChangedFile {
  /** the path in the pull request's head */
  readonly path: string;
  readonly status: ChangedFileStatus;
  /** the path before a rename (or the source of a copy); null otherwise */
  readonly previousPath: string | null;
}

export interface ChangedFiles {
  readonly files: ChangedFile[];
  /** the pull request changes more files than GitHub lists (3,000); the caller should warn */
  readonly truncated: boolean;
}

/** GitHub lists at most this many files of a pull request, whatever the page size. */
export const MAX_LISTED_FILES = 3000;
const PER_PAGE = 100;
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['added', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);

export async function listChangedFiles(client: PullRequestFilesClient, pull: PullRequestRef): Promise<ChangedFiles> {
  const where = `${pull.owner}/${pull.repo}#${pull.pullNumber}`;
  const files: ChangedFile[] = [];
  let listed = 0;
  try {
    for await (const page of pages(client, pull)) {
      for (const entry of page) {
        if (listed === MAX_LISTED_FILES) break;
        listed += 1;
        const file = toChangedFile(entry, where);
        if (file !== null) files.push(file);
      }
      if (listed === MAX_LISTED_FILES) break;
    }
  } catch (error) {
    throw wrapFailure(`list the files of ${where}`, error);
  }
  const truncated = listed === MAX_LISTED_FILES && (await countChangedFiles(client, pull, where)) > MAX_LISTED_FILES;
  return { files, truncated };
}

/** Each page of the file list, following GitHub's `Link: <…>; rel="next"` (never to another origin: it would get the token). */
async function* pages(client: PullRequestFilesClient, pull: PullRequestRef): AsyncGenerator<unknown[]> {
  let response = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
    owner: pull.owner,
    repo: pull.repo,
    pull_number: pull.pullNumber,
    per_page: PER_PAGE,
  });
  for (;;) {
    if (!Array.isArray(response.data)) throw new Error(`expected a JSON array of files from ${response.url}`);
    yield response.data;
    const next = nextPageUrl(response);
    if (next === null) return;
    response = await client.request(`GET ${next}`);
  }
}

// The three helpers below are shared with sticky-comment.ts (every GitHub list pages and fails the same way).

/** The absolute URL of the next page, from `Link: <…>; rel="next"`; null on the last page. */
export function nextPageUrl(response: GitHubListResponse): string | null {
  const next = /<([^<>]+)>;\s*rel="next"/.exec(response.headers.link ?? '')?.[1];
  if (next === undefined) return null;
  if (new URL(next, response.url).origin !== new URL(response.url).origin) {
    throw new Error(`refusing to follow a next-page link to another origin: ${new URL(next, response.url).origin}`);
  }
  return new URL(next, response.url).href;
}

function toChangedFile(entry: unknown, where: string): ChangedFile | null {
  const { filename, status, previous_filename: previous } = (entry ?? {}) as Record<string, unknown>;
  if (typeof filename !== 'string' || typeof status !== 'string') {
    throw new Error(`GitHub listed a file of ${where} without a filename or status: ${JSON.stringify(entry)}`);
  }
  if (status === 'removed') return null;
  return {
    path: filename,
    status: KNOWN_STATUSES.has(status) ? (status as ChangedFileStatus) : 'changed',
    previousPath: typeof previous === 'string' ? previous : null,
  };
}

/** The pull request's own count, asked only when the list reached GitHub's cap: exactly 3,000 is not truncated. */
async function countChangedFiles(client: PullRequestFilesClient, pull: PullRequestRef, where: string): Promise<number> {
  try {
    const response = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner: pull.owner,
      repo: pull.repo,
      pull_number: pull.pullNumber,
    });
    const count = (response.data as { changed_files?: unknown } | null)?.changed_files;
    if (typeof count !== 'number') throw new Error('the pull request has no changed_files count');
    return count;
  } catch (error) {
    throw wrapFailure(`count the files of ${where}`, error);
  }
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
