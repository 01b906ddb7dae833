// A loopback OCI registry (the distribution API's manifest endpoints and a token service) for tests and
// benchmarks: real HTTP over 127.0.0.1, so the resolver's fetch, headers and auth flow run as in production.
// Hostile answers (hangs, resets, bodies that drip or run past any limit) are opt-in, through `fault`.

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type FakeRegistryAuth =
  | 'none'
  /** 401 with a Bearer challenge pointing at this registry's /token, which hands out pull tokens to anyone */
  | 'bearer-anonymous'
  /** only this exact bearer token is accepted (a Google access token, say); /token hands out tokens that are refused */
  | { readonly bearerToken: string }
  /** 401 with a Basic challenge, whatever is sent */
  | 'basic';

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** how the answer misbehaves; a plain answer when left out */
  readonly hostile?: HostileBehaviour;
}

export type HostileBehaviour =
  /** never answer */
  | { readonly kind: 'hang' }
  /** close the connection with a TCP reset */
  | { readonly kind: 'reset' }
  /** send the status and headers, then one byte every `ms`, never ending the body */
  | { readonly kind: 'drip'; readonly ms: number }
  /** a body of `bytes` bytes, streamed in chunks without Content-Length (so only counting can stop it) */
  | { readonly kind: 'endless'; readonly bytes: number };

export interface FakeRegistryOptions {
  readonly auth?: FakeRegistryAuth;
  /** delay before every answer */
  readonly latencyMs?: number;
  /** consulted for every request before anything else; a response returned here is sent instead */
  readonly fault?: (request: RecordedRequest) => FakeResponse | null;
  /** leave Docker-Content-Digest off manifest answers, as some registries do */
  readonly omitDigestHeader?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  /** path and query, as received */
  readonly path: string;
  /** lower-case names; an Authorization value is recorded as `<scheme> <redacted>` */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string | null;
  /** the status answered, set once the answer is sent */
  status: number | null;
  /** Date.now() when the request arrived */
  readonly at: number;
}

export interface FakeRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, the host part of `url` */
  readonly host: string;
  readonly requests: RecordedRequest[];
  /** points the tag at a digest; the manifest served by GET is a placeholder that does not hash to it */
  setTag(repository: string, tag: string, digest: string, mediaType?: string): void;
  /** stores real manifest bytes under the tag and returns their digest, so a GET can be checked against it */
  pushManifest(repository: string, tag: string, manifest: string, mediaType?: string): string;
  /** answers the next `count` requests with `status` (and Retry-After when given) */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  /** stops listening and drops kept-alive connections; safe to call more than once */
  close(): Promise<void>;
}

interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SERVICE = 'fake-registry';
const MANIFEST_PATH_RE = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const state = new RegistryState(options);
  const server = createServer((request, response) => {
    state.handle(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: state.url,
    host: `127.0.0.1:${port}`,
    requests: state.requests,
    setTag: (repository, tag, digest, mediaType = OCI_MANIFEST) => state.setTag(repository, tag, digest, mediaType),
    pushManifest: (repository, tag, manifest, mediaType = OCI_MANIFEST) => state.pushManifest(repository, tag, manifest, mediaType),
    failNext: (count, status, retryAfterSeconds) => state.failNext(count, status, retryAfterSeconds),
    // Idempotent, so a test may close early (to simulate an unreachable registry) and its cleanup close again.
    close: () => (closing ??= closeServer(server)),
  };
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // fetch keeps connections alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}

class RegistryState {
  url = '';
  readonly requests: RecordedRequest[] = [];
  readonly #options: FakeRegistryOptions;
  readonly #manifests = new Map<string, StoredManifest>();
  readonly #tokens = new Map<string, string>();
  #faults: { remaining: number; status: number; retryAfterSeconds: number | undefined } = { remaining: 0, status: 503, retryAfterSeconds: undefined };

  constructor(options: FakeRegistryOptions) {
    this.#options = options;
  }

  setTag(repository: string, tag: string, digest: string, mediaType: string): void {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, annotations: { 'fake-registry': 'placeholder set by setTag' } }));
    this.#manifests.set(`${repository}:${tag}`, { digest, mediaType, body });
  }

  pushManifest(repository: string, tag: string, manifest: string, mediaType: string): string {
    const body = Buffer.from(manifest);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    this.#manifests.set(`${repository}:${tag}`, { digest, mediaType, body });
    return digest;
  }

  failNext(count: number, status: number, retryAfterSeconds: number | undefined): void {
    this.#faults = { remaining: count, status, retryAfterSeconds };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record = recordOf(request);
    this.requests.push(record);
    response.on('finish', () => {
      record.status = response.statusCode;
    });
    if (this.#options.latencyMs !== undefined && this.#options.latencyMs > 0) await delay(this.#options.latencyMs);
    const answer = this.#fault(record) ?? this.#route(request, record);
    send(response, request.method === 'HEAD', answer);
  }

  #fault(record: RecordedRequest): FakeResponse | null {
    const hooked = this.#options.fault?.(record) ?? null;
    if (hooked !== null) return hooked;
    if (this.#faults.remaining <= 0) return null;
    this.#faults.remaining -= 1;
    const { status, retryAfterSeconds } = this.#faults;
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    return { status, headers, body: ociError('UNAVAILABLE', 'injected fault') };
  }

  #route(request: IncomingMessage, record: RecordedRequest): FakeResponse {
    const url = new URL(record.path, this.url);
    if (url.pathname === '/token' && request.method === 'GET') return this.#issueToken(url);
    const match = MANIFEST_PATH_RE.exec(url.pathname);
    if (match === null) return { status: 404, headers: { 'content-type': 'application/json' }, body: ociError('NAME_UNKNOWN', 'no such endpoint') };
    const [, repository = '', reference = ''] = match;
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, body: ociError('UNSUPPORTED', 'method not allowed') };
    const refusal = this.#authorize(request.headers.authorization, repository);
    return refusal ?? this.#manifest(repository, reference);
  }

  #issueToken(url: URL): FakeResponse {
    if (this.#options.auth === undefined || this.#options.auth === 'none' || this.#options.auth === 'basic') {
      return { status: 404, body: ociError('UNSUPPORTED', 'no token service') };
    }
    const token = `fake-${randomUUID()}`;
    this.#tokens.set(token, url.searchParams.get('scope') ?? '');
    const body = JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  }

  /** null when the request may read the repository, else the 401 to answer with. */
  #authorize(authorization: string | undefined, repository: string): FakeResponse | null {
    const auth = this.#options.auth ?? 'none';
    if (auth === 'none') return null;
    if (auth === 'basic') return unauthorized('Basic realm="fake-registry"');
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const scope = `repository:${repository}:pull`;
    if (typeof auth === 'object' && bearer === auth.bearerToken) return null;
    if (auth === 'bearer-anonymous' && bearer !== undefined && (this.#tokens.get(bearer) ?? '').split(' ').includes(scope)) return null;
    return unauthorized(`Bearer realm="${this.url}/token",service="${SERVICE}",scope="${scope}"`);
  }

  #manifest(repository: string, reference: string): FakeResponse {
    const stored = this.#manifests.get(`${repository}:${reference}`) ?? this.#byDigest(repository, reference);
    if (stored === undefined) {
      return { status: 404, headers: { 'content-type': 'application/json' }, body: ociError('MANIFEST_UNKNOWN', 'manifest unknown', { Tag: reference }) };
    }
    const headers: Record<string, string> = { 'content-type': stored.mediaType };
    if (this.#options.omitDigestHeader !== true) headers['docker-content-digest'] = stored.digest;
    return { status: 200, headers, body: stored.body.toString() };
  }

  #byDigest(repository: string, reference: string): StoredManifest | undefined {
    if (!reference.startsWith('sha256:')) return undefined;
    return [...this.#manifests].find(([key, stored]) => key.startsWith(`${repository}:`) && stored.digest === reference)?.[1];
  }
}

function recordOf(request: IncomingMessage): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    // Tests assert on recorded requests and may print them: never keep a credential.
    headers[name] = name === 'authorization' ? `${text.split(' ')[0] ?? ''} <redacted>` : text;
  }
  return { method: request.method ?? '', path: request.url ?? '', headers, remoteAddress: request.socket.remoteAddress ?? null, status: null, at: Date.now() };
}

function unauthorized(challenge: string): FakeResponse {
  return {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': challenge },
    body: ociError('UNAUTHORIZED', 'authentication required'),
  };
}

function ociError(code: string, message: string, detail: unknown = null): string {
  return JSON.stringify({ errors: [{ code, message, detail }] });
}

function send(response: ServerResponse, head: boolean, answer: FakeResponse): void {
  if (answer.hostile !== undefined) return misbehave(response, head, answer, answer.hostile);
  const body = Buffer.from(answer.body ?? '');
  response.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  // A HEAD answer carries the length the GET body would have, as registries send it.
  response.setHeader('content-length', body.length);
  response.end(head ? undefined : body);
}

function misbehave(response: ServerResponse, head: boolean, answer: FakeResponse, hostile: HostileBehaviour): void {
  if (hostile.kind === 'hang') return; // dropped by the client's deadline or by close()
  if (hostile.kind === 'reset') {
    response.socket?.resetAndDestroy();
    return;
  }
  response.writeHead(answer.status, answer.headers ?? {});
  if (head) {
    // A HEAD answer has no body: the headers are sent and the answer is never finished.
    response.flushHeaders();
    return;
  }
  if (hostile.kind === 'drip') {
    const timer = setInterval(() => response.write('{'), hostile.ms);
    response.on('close', () => clearInterval(timer));
    return;
  }
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = hostile.bytes;
  const pump = (): void => {
    while (left > 0) {
      const size = Math.min(left, chunk.length);
      left -= size;
      if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        response.once('drain', pump);
        return;
      }
    }
    response.end();
  };
  response.on('close', () => (left = 0));
  pump();
}
