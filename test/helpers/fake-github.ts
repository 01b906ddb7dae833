// A loopback GitHub REST server for end-to-end tests of the action: the pull request files and
// issue comments endpoints, paginated and capped as GitHub does, with GitHub-shaped errors.
// Real HTTP over 127.0.0.1, so Octokit's request, fetch, auth header and Link-following run as in production.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePullFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  /** the issue (or pull request) number */
  issue: number;
}

export interface FakeGitHubState {
  readonly pulls: Map<number, { files: FakePullFile[] }>;
  readonly comments: FakeComment[];
}

export interface RecordedRequest {
  readonly method: string;
  /** path and query, as received */
  readonly path: string;
  /** lower-case names; an Authorization value is recorded as `<scheme> <redacted>` */
  readonly headers: Readonly<Record<string, string>>;
  /** the JSON body, parsed; null when there is none */
  readonly body: unknown;
  /** the status answered, set once the answer is sent */
  status: number | null;
}

/** `METHOD /pathname` exactly (e.g. `POST /repos/o/r/issues/4/comments`), a RegExp tested on `METHOD /path?query`, or a predicate. */
export type RequestMatch = string | RegExp | ((request: RecordedRequest) => boolean);

export interface FakeGitHubOptions {
  /** the only token accepted, as `Authorization: token X` or `Bearer X` */
  readonly token: string;
  /** the one repository served (default Codertocat/Hello-World, as in the pull_request fixture); others are 404 */
  readonly owner?: string;
  readonly repo?: string;
  /** the numeric id GitHub puts in its Link URLs (`/repositories/ID/...`) */
  readonly repositoryId?: number;
  /** who the token is: the author of the comments it creates (default github-actions[bot], a Bot) */
  readonly user?: { readonly login: string; readonly type: string };
  /**
   * what kind of token it is: `integration` (an installation token such as GITHUB_TOKEN, the default)
   * gets 403 on `GET /user` and its bot login from the GraphQL viewer; `user` gets its login from `GET /user`
   */
  readonly tokenKind?: 'integration' | 'user';
  /** the login the GraphQL viewer gives an integration token (default: user.login) */
  readonly viewerLogin?: string;
}

/**
 * Hostile answers for matching requests: `hang` never answers; `reset` drops the connection;
 * `after` does the request (a comment is created) and then answers `status` as if it failed;
 * `loop` answers a list page whose next link points back at itself.
 */
export type HostileMode =
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'after'; readonly status: number }
  | { readonly kind: 'loop' };

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`, to pass as Octokit's baseUrl */
  readonly url: string;
  readonly state: FakeGitHubState;
  readonly requests: RecordedRequest[];
  /** answers the next `count` requests that match with `status` and a GitHub-shaped error body */
  failNext(match: RequestMatch, status: number, count?: number, message?: string): void;
  /** answers the next `count` (default every) matching requests with a hostile mode */
  hostile(match: RequestMatch, mode: HostileMode, count?: number): void;
  /** stops listening and drops kept-alive connections; safe to call more than once */
  close(): Promise<void>;
}

/** GitHub lists at most this many files of a pull request. */
const MAX_FILES = 3000;
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;
const DOCS = 'https://docs.github.com/rest';
const MESSAGES: Readonly<Record<number, string>> = {
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  422: 'Validation Failed',
  429: 'API rate limit exceeded',
};

interface Failure {
  readonly match: RequestMatch;
  readonly status: number;
  readonly message: string;
  remaining: number;
}

interface Hostile {
  readonly match: RequestMatch;
  readonly mode: HostileMode;
  remaining: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const fake = new FakeGitHubServer(options);
  const server = createServer((request, response) => {
    fake.handle(request, response).catch((error: unknown) => send(response, { status: 500, body: { message: String(error), documentation_url: DOCS } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | null = null;
  return {
    url: fake.url,
    state: fake.state,
    requests: fake.requests,
    failNext: (match, status, count = 1, message) =>
      fake.failures.push({ match, status, message: message ?? MESSAGES[status] ?? 'Server Error', remaining: count }),
    hostile: (match, mode, count = Number.POSITIVE_INFINITY) => fake.hostiles.push({ match, mode, remaining: count }),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

class FakeGitHubServer {
  url = '';
  readonly state: FakeGitHubState = { pulls: new Map(), comments: [] };
  readonly requests: RecordedRequest[] = [];
  readonly failures: Failure[] = [];
  readonly hostiles: Hostile[] = [];
  readonly #options: Required<FakeGitHubOptions>;

  constructor(options: FakeGitHubOptions) {
    this.#options = {
      owner: 'Codertocat',
      repo: 'Hello-World',
      repositoryId: 186853002,
      user: { login: 'github-actions[bot]', type: 'Bot' },
      tokenKind: 'integration',
      viewerLogin: options.user?.login ?? 'github-actions[bot]',
      ...options,
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = record(request, await readBody(request));
    this.requests.push(recorded);
    const hostile = this.#authenticate(request) === null ? this.#hostile(recorded) : null;
    if (hostile?.kind === 'hang') return; // the socket stays open until close()
    if (hostile?.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    const url = new URL(request.url ?? '/', this.url);
    let answer = this.#authenticate(request) ?? this.#injectedFailure(recorded) ?? this.#route(request.method ?? 'GET', url, recorded.body);
    if (hostile?.kind === 'after') answer = error(hostile.status, MESSAGES[hostile.status] ?? 'Server Error');
    if (hostile?.kind === 'loop' && answer.status === 200) answer = { ...answer, headers: { ...answer.headers, link: `<${url.href}>; rel="next"` } };
    recorded.status = answer.status;
    send(response, answer);
  }

  #hostile(request: RecordedRequest): HostileMode | null {
    const found = this.hostiles.find((h) => h.remaining > 0 && matches(h.match, request));
    if (found === undefined) return null;
    found.remaining -= 1;
    return found.mode;
  }

  #authenticate(request: IncomingMessage): Answer | null {
    const header = request.headers.authorization;
    if (header === undefined) return error(401, 'Requires authentication');
    const match = /^(?:token|bearer)\s+(.+)$/i.exec(header);
    return match?.[1] === this.#options.token ? null : error(401, MESSAGES[401] ?? '');
  }

  #injectedFailure(request: RecordedRequest): Answer | null {
    const failure = this.failures.find((f) => f.remaining > 0 && matches(f.match, request));
    if (failure === undefined) return null;
    failure.remaining -= 1;
    return error(failure.status, failure.message);
  }

  #route(method: string, url: URL, body: unknown): Answer {
    if (method === 'GET' && url.pathname === '/user') return this.#user();
    if (method === 'POST' && url.pathname === '/graphql') return this.#graphql(body);
    const rest = this.#repositoryPath(url.pathname);
    if (rest === null) return error(404, 'Not Found');
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) return this.#getPull(Number(m[1]));
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) return this.#listFiles(Number(m[1]), url, rest);
    if (method === 'GET' && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) return this.#listComments(Number(m[1]), url, rest);
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) return this.#createComment(Number(m[1]), body);
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) return this.#updateComment(Number(m[1]), body);
    return error(404, 'Not Found');
  }

  /** The part after `/repos/OWNER/REPO` or `/repositories/ID` (how GitHub's Link URLs name it), or null for another repository. */
  #repositoryPath(pathname: string): string | null {
    const { owner, repo, repositoryId } = this.#options;
    const byName = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(pathname);
    if (byName?.[1]?.toLowerCase() === owner.toLowerCase() && byName[2]?.toLowerCase() === repo.toLowerCase()) return byName[3] ?? null;
    const byId = /^\/repositories\/(\d+)(\/.*)$/.exec(pathname);
    return byId?.[1] === String(repositoryId) ? (byId[2] ?? null) : null;
  }

  #user(): Answer {
    if (this.#options.tokenKind === 'integration') return error(403, MESSAGES[403] ?? '');
    return { status: 200, body: { login: this.#options.user.login, id: 1, type: this.#options.user.type } };
  }

  /** Only the viewer query the gate asks. */
  #graphql(body: unknown): Answer {
    const query = (body as { query?: unknown } | null)?.query;
    if (typeof query !== 'string' || !/viewer\s*\{\s*login/.test(query))
      return { status: 200, body: { errors: [{ message: 'unsupported query in the fake' }] } };
    return { status: 200, body: { data: { viewer: { login: this.#options.viewerLogin } } } };
  }

  #getPull(number: number): Answer {
    const pull = this.state.pulls.get(number);
    if (pull === undefined) return error(404, 'Not Found');
    return { status: 200, body: { number, state: 'open', changed_files: pull.files.length, html_url: this.#htmlUrl(`pull/${number}`) } };
  }

  #listFiles(number: number, url: URL, rest: string): Answer {
    const pull = this.state.pulls.get(number);
    if (pull === undefined) return error(404, 'Not Found');
    return this.#page(pull.files.slice(0, MAX_FILES), url, rest);
  }

  #listComments(issue: number, url: URL, rest: string): Answer {
    const comments = this.state.comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id);
    return this.#page(
      comments.map((c) => this.#commentJson(c)),
      url,
      rest,
    );
  }

  #createComment(issue: number, body: unknown): Answer {
    const text = (body as { body?: unknown } | null)?.body;
    if (typeof text !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    const id = Math.max(1000, ...this.state.comments.map((c) => c.id)) + 1;
    const comment: FakeComment = { id, body: text, user: { ...this.#options.user }, issue };
    this.state.comments.push(comment);
    return {
      status: 201,
      body: this.#commentJson(comment),
      headers: { location: `${this.url}/repos/${this.#options.owner}/${this.#options.repo}/issues/comments/${id}` },
    };
  }

  #updateComment(id: number, body: unknown): Answer {
    const comment = this.state.comments.find((c) => c.id === id);
    if (comment === undefined) return error(404, 'Not Found');
    const text = (body as { body?: unknown } | null)?.body;
    if (typeof text !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    comment.body = text;
    return { status: 200, body: this.#commentJson(comment) };
  }

  /** One page of `items` as GitHub pages lists: per_page (default 30, at most 100), page, and a Link header. */
  #page(items: readonly unknown[], url: URL, rest: string): Answer {
    const perPage = Math.min(MAX_PER_PAGE, positive(url.searchParams.get('per_page')) ?? DEFAULT_PER_PAGE);
    const page = positive(url.searchParams.get('page')) ?? 1;
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = this.#linkHeader(url, rest, page, last);
    return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers: link === '' ? {} : { link } };
  }

  #linkHeader(url: URL, rest: string, page: number, last: number): string {
    const at = (n: number): string => {
      const target = new URL(`${this.url}/repositories/${this.#options.repositoryId}${rest}`);
      for (const [key, value] of url.searchParams) if (key !== 'page') target.searchParams.set(key, value);
      target.searchParams.set('page', String(n));
      return target.href;
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
    if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (page > 1) links.push(`<${at(1)}>; rel="first"`);
    return links.join(', ');
  }

  #commentJson(comment: FakeComment): Record<string, unknown> {
    const { owner, repo } = this.#options;
    const kind = this.state.pulls.has(comment.issue) ? 'pull' : 'issues';
    return {
      id: comment.id,
      node_id: `IC_fake${comment.id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
      html_url: this.#htmlUrl(`${kind}/${comment.issue}#issuecomment-${comment.id}`),
      issue_url: `${this.url}/repos/${owner}/${repo}/issues/${comment.issue}`,
      body: comment.body,
      user: { login: comment.user.login, type: comment.user.type },
      author_association: comment.user.type === 'Bot' ? 'NONE' : 'OWNER',
    };
  }

  #htmlUrl(path: string): string {
    return `https://github.com/${this.#options.owner}/${this.#options.repo}/${path}`;
  }
}

function error(status: number, message: string): Answer {
  return { status, body: { message, documentation_url: DOCS, status: String(status) } };
}

function matches(match: RequestMatch, request: RecordedRequest): boolean {
  if (typeof match === 'function') return match(request);
  if (typeof match === 'string') return `${request.method} ${request.path.split('?')[0]}` === match;
  return match.test(`${request.method} ${request.path}`);
}

function positive(value: string | null): number | null {
  const n = Number(value);
  return value !== null && Number.isInteger(n) && n > 0 ? n : null;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function record(request: IncomingMessage, body: unknown): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = name === 'authorization' ? `${text.split(/\s+/)[0] ?? ''} <redacted>` : text;
  }
  return { method: request.method ?? 'GET', path: request.url ?? '/', headers, body, status: null };
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent) return;
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', ...answer.headers });
  response.end(JSON.stringify(answer.body));
}
