// What the workflow run is about, from the variables and the event file GitHub Actions provides:
// a pull request to check against its base, a commit to scan in full, or an event the gate does
// not handle. A pure function of the environment and a file reader, so tests need no runner.
import { readTextFileSync } from '../files/safe-read.ts';
import { UserError, messageOf } from '../errors.ts';

export type GitHubEvent = PullRequestEvent | FullScanEvent | UnsupportedEvent;

export interface PullRequestEvent {
  readonly kind: 'pull_request';
  readonly eventName: 'pull_request' | 'pull_request_target';
  /** the base repository, where the pull request lives and where comments go */
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly headSha: string;
  readonly baseSha: string;
  /** the head branch lives in another repository (or one since deleted): GITHUB_TOKEN is read-only there */
  readonly fork: boolean;
}

export interface FullScanEvent {
  readonly kind: 'full-scan';
  readonly eventName: FullScanEventName;
  /** GITHUB_SHA: the commit the workflow checked out */
  readonly sha: string;
}

export interface UnsupportedEvent {
  readonly kind: 'unsupported';
  readonly eventName: string;
}

export type FullScanEventName = 'push' | 'release' | 'workflow_dispatch' | 'schedule';

export type Environment = Readonly<Record<string, string | undefined>>;
/** Reads a file as UTF-8 text, throwing when it cannot (`readEventFile`, or a test's fake). */
export type ReadTextFile = (path: string) => string;

// GitHub caps webhook payloads at 25 MB; the event file is the payload.
const EVENT_FILE_LIMIT = 32 * 1024 * 1024;

/** The runner's event file, read as every file is: regular, bounded, never blocking. */
export function readEventFile(path: string): string {
  const read = readTextFileSync(path, { root: null, maxBytes: EVENT_FILE_LIMIT });
  if (!read.ok) throw new UserError(read.problem);
  return read.text;
}

const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target']);
const FULL_SCAN_EVENTS: ReadonlySet<string> = new Set(['push', 'release', 'workflow_dispatch', 'schedule']);
// SHA-1 object names, or SHA-256 ones in repositories that use them
const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function readEvent(env: Environment, readFile: ReadTextFile): GitHubEvent {
  const eventName = required(env, 'GITHUB_EVENT_NAME', 'Is this running in GitHub Actions?');
  if (PULL_REQUEST_EVENTS.has(eventName)) {
    const payload = readPayload(env, readFile);
    return pullRequestEvent(eventName as PullRequestEvent['eventName'], payload, env);
  }
  if (FULL_SCAN_EVENTS.has(eventName)) {
    return {
      kind: 'full-scan',
      eventName: eventName as FullScanEventName,
      sha: sha(required(env, 'GITHUB_SHA', 'GitHub Actions sets it for every run.'), 'GITHUB_SHA'),
    };
  }
  return { kind: 'unsupported', eventName };
}

function pullRequestEvent(eventName: PullRequestEvent['eventName'], payload: Payload, env: Environment): PullRequestEvent {
  const pull = payload.pull_request;
  if (typeof pull?.number !== 'number') {
    throw new UserError(`The ${eventName} event at GITHUB_EVENT_PATH has no pull_request.number: is GITHUB_EVENT_NAME right?`);
  }
  const { owner, repo } = baseRepository(payload, env);
  return {
    kind: 'pull_request',
    eventName,
    owner,
    repo,
    number: pull.number,
    headSha: sha(pull.head?.sha, 'pull_request.head.sha'),
    baseSha: sha(pull.base?.sha, 'pull_request.base.sha'),
    fork: isFromFork(pull),
  };
}

/** The repository fields of the payload, else GITHUB_REPOSITORY (owner/name). */
function baseRepository(payload: Payload, env: Environment): { owner: string; repo: string } {
  const owner = payload.repository?.owner?.login;
  const repo = payload.repository?.name;
  if (typeof owner === 'string' && typeof repo === 'string') return { owner, repo };
  const fullName = required(env, 'GITHUB_REPOSITORY', 'The event payload has no repository either.');
  const [fromEnvOwner, fromEnvRepo, ...rest] = fullName.split('/');
  if (!fromEnvOwner || !fromEnvRepo || rest.length > 0) throw new UserError(`Invalid GITHUB_REPOSITORY '${fullName}'. Expected format {owner}/{repo}.`);
  return { owner: fromEnvOwner, repo: fromEnvRepo };
}

/**
 * Compares the repositories rather than reading `head.repo.fork`, which says the head repository is
 * a fork of something, not that it is another repository than the base. A deleted head repository
 * (`head.repo: null`) counts as a fork: it was not the base.
 */
function isFromFork(pull: PullRequestPayload): boolean {
  const head = pull.head?.repo?.full_name;
  const base = pull.base?.repo?.full_name;
  if (typeof head !== 'string' || typeof base !== 'string') return true;
  return head.toLowerCase() !== base.toLowerCase();
}

function readPayload(env: Environment, readFile: ReadTextFile): Payload {
  const path = required(env, 'GITHUB_EVENT_PATH', 'GitHub Actions sets it to the event payload file.');
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UserError(`Cannot read the event payload GITHUB_EVENT_PATH=${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const payload: unknown = JSON.parse(text);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new UserError('expected a JSON object');
    return payload as Payload;
  } catch (error) {
    throw new UserError(`The event payload at GITHUB_EVENT_PATH=${path} is not a JSON object: ${(error as Error).message}`, { cause: error });
  }
}

function required(env: Environment, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new UserError(`${name} is not set. ${hint}`);
  return value.trim();
}

function sha(value: unknown, name: string): string {
  if (typeof value !== 'string' || !SHA_RE.test(value))
    throw new UserError(`Invalid ${name} ${JSON.stringify(value)}. Expected a commit SHA (40 hexadecimal digits).`);
  return value;
}

/** The few payload fields read here; everything is optional because the file is input. */
interface Payload {
  readonly pull_request?: PullRequestPayload;
  readonly repository?: { readonly name?: unknown; readonly owner?: { readonly login?: unknown } | null } | null;
}

interface PullRequestPayload {
  readonly number?: unknown;
  readonly head?: { readonly sha?: unknown; readonly repo?: { readonly full_name?: unknown } | null } | null;
  readonly base?: { readonly sha?: unknown; readonly repo?: { readonly full_name?: unknown } | null } | null;
}
