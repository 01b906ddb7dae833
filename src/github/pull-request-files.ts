// The files a pull request changes, as GitHub lists them: every page, up to the 3,000 files
// GitHub serves, with `truncated` telling the caller when the pull request has more.
// Removed files are dropped (nothing left to check); renamed files keep their old path.
import { pagesOf, wrapFailure, type GitHubClientLike } from './rest.ts';
import { RemoteFailure } from '../errors.ts';

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
const KNOWN_STATUSES: ReadonlySet<string> = new Set(['added', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);

export async function listChangedFiles(client: GitHubClientLike, pull: PullRequestRef): Promise<ChangedFiles> {
  const where = `${pull.owner}/${pull.repo}#${pull.pullNumber}`;
  const files: ChangedFile[] = [];
  let listed = 0;
  try {
    const first = {
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      parameters: { owner: pull.owner, repo: pull.repo, pull_number: pull.pullNumber },
    };
    for await (const page of pagesOf(client, first, 'files')) {
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

function toChangedFile(entry: unknown, where: string): ChangedFile | null {
  const { filename, status, previous_filename: previous } = (entry ?? {}) as Record<string, unknown>;
  if (typeof filename !== 'string' || typeof status !== 'string') {
    throw new RemoteFailure(`GitHub listed a file of ${where} without a filename or status: ${JSON.stringify(entry)?.slice(0, 200)}`);
  }
  if (status === 'removed') return null;
  return {
    path: filename,
    status: KNOWN_STATUSES.has(status) ? (status as ChangedFileStatus) : 'changed',
    previousPath: typeof previous === 'string' ? previous : null,
  };
}

/** The pull request's own count, asked only when the list reached GitHub's cap: exactly 3,000 is not truncated. */
async function countChangedFiles(client: GitHubClientLike, pull: PullRequestRef, where: string): Promise<number> {
  try {
    const response = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner: pull.owner,
      repo: pull.repo,
      pull_number: pull.pullNumber,
    });
    const count = (response.data as { changed_files?: unknown } | null)?.changed_files;
    if (typeof count !== 'number') throw new RemoteFailure('the pull request has no changed_files count');
    return count;
  } catch (error) {
    throw wrapFailure(`count the files of ${where}`, error);
  }
}
