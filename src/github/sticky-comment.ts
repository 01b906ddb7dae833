// One comment per pull request that the gate keeps up to date: found by a hidden marker at
// the very start of its body AND the token's identity as its author, edited in place, never
// duplicated (a failed write is read back before it is tried again), and no other comment touched.
// A token that may not comment (pull requests from forks, read-only tokens) is an expected
// situation, returned as `forbidden` so the action can warn and go on.
import { classifyGitHubFailure, pagesOf, statusOf, wrapFailure, type GitHubClientLike } from './rest.ts';
import { isAuthor, type TokenIdentity } from './token-identity.ts';
import { Bug, RemoteFailure } from '../errors.ts';

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
  /** `foreign`: comments by others that carry the marker, left alone */
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string; readonly foreign: number }
  | { readonly action: 'skipped'; readonly id: null; readonly url: null; readonly foreign: number }
  /** the token may not read or write comments here (HTTP 403/404); `message` says which call and what GitHub said */
  | { readonly action: 'forbidden'; readonly message: string };

export interface UpsertOptions {
  /** post a new comment when there is none; false only updates an existing one (e.g. once the gate passes) */
  readonly createIfMissing: boolean;
  /** who the token writes as (resolveTokenIdentity): only that author's comment is edited */
  readonly identity: TokenIdentity;
}

export const COMMENT_MARKER = '<!-- binauthz-gate -->';
const MARKER_RE = /^<!-- binauthz-gate(?::[A-Za-z0-9._-]+)? -->$/;

/** What the comments of an issue hold for the gate: its own comment, and how many others carry the marker. */
export interface CommentSearch {
  readonly ours: StickyComment | null;
  /** comments by anyone else that start with the marker: never edited */
  readonly foreign: number;
  /** the highest comment id seen: a comment made later has a higher one */
  readonly highestId: number;
}

/**
 * The gate's comment on the issue: the oldest whose body starts with `marker` AND whose author is
 * the token's identity. A comment by anyone else with the marker is counted, never taken: whoever
 * wrote it could edit the verdict. Reads every page (bounded by pagesOf).
 */
export async function findStickyComment(client: GitHubClientLike, issue: IssueRef, marker: string, identity: TokenIdentity): Promise<CommentSearch> {
  assertMarker(marker);
  let ours: StickyComment | null = null;
  let foreign = 0;
  let highestId = 0;
  try {
    const first = {
      route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      parameters: { owner: issue.owner, repo: issue.repo, issue_number: issue.issueNumber },
    };
    for await (const page of pagesOf(client, first, 'comments')) {
      for (const comment of page.map(toStickyComment)) {
        highestId = Math.max(highestId, comment.id);
        if (!startsWithMarker(comment.body, marker)) continue;
        if (ours === null && isAuthor(identity, comment.author)) ours = comment;
        else if (!isAuthor(identity, comment.author)) foreign += 1;
      }
    }
  } catch (error) {
    throw wrapFailure(`list the comments on ${describeIssue(issue)}`, error);
  }
  return { ours, foreign, highestId };
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
    const search = await findStickyComment(client, issue, marker, options.identity);
    const { ours } = search;
    const done = (result: WriteResult): UpsertResult => ({ ...result, foreign: search.foreign });
    if (ours === null)
      return options.createIfMissing
        ? done(await createComment(client, issue, marker, wanted, options.identity, search.highestId))
        : { action: 'skipped', id: null, url: null, foreign: search.foreign };
    if (normalise(ours.body) === normalise(wanted)) return done({ action: 'unchanged', id: ours.id, url: ours.url });
    return done(await updateComment(client, issue, marker, ours.id, wanted, options.identity));
  } catch (error) {
    return forbiddenResult(error) ?? rethrow(error);
  }
}

type WriteResult = { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string };

/** A write is tried at most this many times, reading back between tries. */
const MAX_WRITE_ATTEMPTS = 3;

/**
 * POSTs the comment. A POST whose answer was lost (5xx, reset, timeout) may still have created it, so
 * before trying again the comments are read back: a comment made since the first listing, by the
 * token's identity (a Bot when it is unknown), with exactly this body, is the one created.
 */
async function createComment(
  client: GitHubClientLike,
  issue: IssueRef,
  marker: string,
  body: string,
  identity: TokenIdentity,
  highestId: number,
): Promise<WriteResult> {
  const route = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.request(route, { owner: issue.owner, repo: issue.repo, issue_number: issue.issueNumber, body });
      const created = toStickyComment(response.data);
      return { action: 'created', id: created.id, url: created.url };
    } catch (error) {
      if (attempt >= MAX_WRITE_ATTEMPTS || !classifyGitHubFailure(error, Date.now()).retryable)
        throw wrapFailure(`create a comment on ${describeIssue(issue)}`, error);
    }
    const made = await readBack(
      client,
      issue,
      marker,
      (c) => c.id > highestId && normalise(c.body) === normalise(body) && (identity.kind === 'known' ? isAuthor(identity, c.author) : c.author?.type === 'Bot'),
    );
    if (made !== null) return { action: 'created', id: made.id, url: made.url };
  }
}

/** PATCHes the comment; after a failed PATCH it reads the comment back and stops if it already has the body. */
async function updateComment(
  client: GitHubClientLike,
  issue: IssueRef,
  marker: string,
  id: number,
  body: string,
  identity: TokenIdentity,
): Promise<WriteResult> {
  const route = 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}';
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.request(route, { owner: issue.owner, repo: issue.repo, comment_id: id, body });
      return { action: 'updated', id, url: toStickyComment(response.data).url };
    } catch (error) {
      if (attempt >= MAX_WRITE_ATTEMPTS || !classifyGitHubFailure(error, Date.now()).retryable)
        throw wrapFailure(`update comment ${id} on ${describeIssue(issue)}`, error);
    }
    const made = await readBack(client, issue, marker, (c) => c.id === id && isAuthor(identity, c.author) && normalise(c.body) === normalise(body));
    if (made !== null) return { action: 'updated', id, url: made.url };
  }
}

async function readBack(client: GitHubClientLike, issue: IssueRef, marker: string, wanted: (comment: StickyComment) => boolean): Promise<StickyComment | null> {
  try {
    const first = {
      route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      parameters: { owner: issue.owner, repo: issue.repo, issue_number: issue.issueNumber },
    };
    for await (const page of pagesOf(client, first, 'comments')) {
      const found = page.map(toStickyComment).find((c) => startsWithMarker(c.body, marker) && wanted(c));
      if (found !== undefined) return found;
    }
    return null;
  } catch (error) {
    throw wrapFailure(`read back the comments on ${describeIssue(issue)} after a failed write`, error);
  }
}

function toStickyComment(data: unknown): StickyComment {
  const { id, body, html_url: url, user } = (data ?? {}) as Record<string, unknown>;
  if (typeof id !== 'number' || !isWebUrl(url))
    throw new RemoteFailure(`GitHub answered a comment without an id or an http(s) html_url: ${JSON.stringify(data)?.slice(0, 200)}`);
  const author = user as { login?: unknown; type?: unknown } | null | undefined;
  return {
    id,
    url,
    body: typeof body === 'string' ? body : '',
    // a deleted account's comments have user: null
    author: typeof author?.login === 'string' && typeof author.type === 'string' ? { login: author.login, type: author.type } : null,
  };
}

/** An http(s) URL with no whitespace, control or format (bidi) characters: the action logs it, so nothing else is taken. */
function isWebUrl(url: unknown): url is string {
  if (typeof url !== 'string' || /[\s\p{Cc}\p{Cf}]/u.test(url) || !URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'https:' || protocol === 'http:';
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
  if (!MARKER_RE.test(marker)) throw new Bug(`Invalid comment marker '${marker}'. Expected ${COMMENT_MARKER} or <!-- binauthz-gate:NAME -->.`);
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
