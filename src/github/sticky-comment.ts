// One comment per pull request that the gate keeps up to date: found by a hidden marker at
// the very start of its body, edited in place, never duplicated, and no other comment touched.
// A token that may not comment (pull requests from forks, read-only tokens) is an expected
// situation, returned as `forbidden` so the action can warn and go on.
import { pagesOf, statusOf, wrapFailure, type GitHubClientLike } from './rest.ts';

export interface IssueRef {
  readonly owner: string;
  readonly repo: string;
  /** a pull request's number is its issue number */
  readonly issueNumber: number;
}

export interface StickyComment {
  readonly id: number;
  readonly body: string;
  /** the comment's page on GitHub */
  readonly url: string;
  readonly author: { readonly login: string; readonly type: string } | null;
}

export type UpsertResult =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string }
  | { readonly action: 'skipped'; readonly id: null; readonly url: null }
  /** the token may not read or write comments here (HTTP 403/404); `message` says which call and what GitHub said */
  | { readonly action: 'forbidden'; readonly message: string };

export interface UpsertOptions {
  /** post a new comment when there is none; false only updates an existing one (e.g. once the gate passes) */
  readonly createIfMissing: boolean;
}

export const COMMENT_MARKER = '<!-- binauthz-gate -->';
const NAME_RE = /^[A-Za-z0-9._-]+$/;
const MARKER_RE = /^<!-- binauthz-gate(?::[A-Za-z0-9._-]+)? -->$/;

/** `<!-- binauthz-gate -->`, or `<!-- binauthz-gate:NAME -->` to keep one comment per gate when a repository runs several. */
export function commentMarker(name?: string): string {
  if (name === undefined || name === '') return COMMENT_MARKER;
  if (!NAME_RE.test(name)) throw new Error(`Invalid comment name '${name}'. Expected letters, digits, '.', '_' or '-'.`);
  return `<!-- binauthz-gate:${name} -->`;
}

/**
 * The gate's comment on the issue: the first whose body starts with `marker`, preferring one a bot
 * wrote (the token's own comments, with GITHUB_TOKEN) over a user's. Reads every page until a bot's is found.
 */
export async function findStickyComment(client: GitHubClientLike, issue: IssueRef, marker: string): Promise<StickyComment | null> {
  assertMarker(marker);
  let firstByAnyone: StickyComment | null = null;
  try {
    const first = { route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', parameters: { owner: issue.owner, repo: issue.repo, issue_number: issue.issueNumber } };
    for await (const page of pagesOf(client, first, 'comments')) {
      for (const comment of page.map(toStickyComment)) {
        if (!startsWithMarker(comment.body, marker)) continue;
        if (comment.author?.type === 'Bot') return comment;
        firstByAnyone ??= comment;
      }
    }
  } catch (error) {
    throw wrapFailure(`list the comments on ${describeIssue(issue)}`, error);
  }
  return firstByAnyone;
}

/** Creates, updates or leaves the gate's comment so that it reads `marker` then `body`. */
export async function upsertStickyComment(
  client: GitHubClientLike,
  issue: IssueRef,
  marker: string,
  body: string,
  options: UpsertOptions,
): Promise<UpsertResult> {
  const wanted = withMarker(marker, body);
  try {
    const existing = await findStickyComment(client, issue, marker);
    if (existing === null) return options.createIfMissing ? await createComment(client, issue, wanted) : { action: 'skipped', id: null, url: null };
    if (normalise(existing.body) === normalise(wanted)) return { action: 'unchanged', id: existing.id, url: existing.url };
    return await updateComment(client, issue, existing.id, wanted);
  } catch (error) {
    return forbiddenResult(error) ?? rethrow(error);
  }
}

async function createComment(client: GitHubClientLike, issue: IssueRef, body: string): Promise<UpsertResult> {
  try {
    const response = await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: issue.owner,
      repo: issue.repo,
      issue_number: issue.issueNumber,
      body,
    });
    const created = toStickyComment(response.data);
    return { action: 'created', id: created.id, url: created.url };
  } catch (error) {
    throw wrapFailure(`create a comment on ${describeIssue(issue)}`, error);
  }
}

async function updateComment(client: GitHubClientLike, issue: IssueRef, id: number, body: string): Promise<UpsertResult> {
  try {
    const response = await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner: issue.owner,
      repo: issue.repo,
      comment_id: id,
      body,
    });
    return { action: 'updated', id, url: toStickyComment(response.data).url };
  } catch (error) {
    throw wrapFailure(`update comment ${id} on ${describeIssue(issue)}`, error);
  }
}

function toStickyComment(data: unknown): StickyComment {
  const { id, body, html_url: url, user } = (data ?? {}) as Record<string, unknown>;
  if (typeof id !== 'number' || typeof url !== 'string') throw new Error(`GitHub answered a comment without an id or html_url: ${JSON.stringify(data)?.slice(0, 200)}`);
  const author = user as { login?: unknown; type?: unknown } | null | undefined;
  return {
    id,
    url,
    body: typeof body === 'string' ? body : '',
    // a deleted account's comments have user: null
    author: typeof author?.login === 'string' && typeof author.type === 'string' ? { login: author.login, type: author.type } : null,
  };
}

/** At the very start only: a user quoting the marker further down does not make the comment the gate's. */
function startsWithMarker(body: string, marker: string): boolean {
  return body.trimStart().startsWith(marker);
}

function withMarker(marker: string, body: string): string {
  assertMarker(marker);
  return startsWithMarker(body, marker) ? body : `${marker}\n${body}`;
}

/** GitHub may hand back CRLF line endings for a body sent with LF; that is not a change. */
function normalise(body: string): string {
  return body.replace(/\r\n/g, '\n');
}

/** Refuses anything but the gate's own markers: an empty or foreign marker would claim other people's comments. */
function assertMarker(marker: string): void {
  if (!MARKER_RE.test(marker)) throw new Error(`Invalid comment marker '${marker}'. Expected ${COMMENT_MARKER} or <!-- binauthz-gate:NAME -->.`);
}

function forbiddenResult(error: unknown): UpsertResult | null {
  const status = statusOf(error instanceof Error ? error.cause : undefined);
  if (status !== 403 && status !== 404) return null;
  const hint = 'the token may not comment here (a pull request from a fork, or a token without issues: write / pull-requests: write)';
  return { action: 'forbidden', message: `${(error as Error).message} (${hint})` };
}

function rethrow(error: unknown): never {
  throw error;
}

function describeIssue(issue: IssueRef): string {
  return `${issue.owner}/${issue.repo}#${issue.issueNumber}`;
}
