// One HTTP exchange with a registry, run inside the caller's `send` policy. Answers that are worth
// retrying (network failures, 429, 5xx) are thrown as RegistryRequestError so that the policy sees
// them; every other status is an answer, returned for the resolver to interpret. Every exchange
// ends: the policy's signal aborts it (body reading included), and a body is read only up to its limit.

import type { RequestTarget } from './mirrors.ts';
import { parseRetryAfter } from '../net/retry.ts';
import { BodyTooLargeError, readLimitedBody } from '../net/bounded-body.ts';
import type { RegistrySettings } from './settings.ts';
import { RemoteFailure } from '../errors.ts';

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD';
  readonly target: RequestTarget;
  readonly headers: Readonly<Record<string, string>>;
  /** the most bytes of body to read when it is used (a manifest to hash, a token); null: discarded unread */
  readonly readBody: number | null;
}

/** OCI image-spec: registries may refuse manifests over 4 MiB, so no real one is longer. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A token answer is a JWT or an opaque string with a few fields; 1 MiB is far more than any. */
export const MAX_TOKEN_ANSWER_BYTES = 1024 * 1024;

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array | null;
}

export type RequestOutcome = { readonly ok: true; readonly response: RegistryResponse } | { readonly ok: false; readonly error: unknown };

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Thrown from inside `send` for a failure worth retrying; `status` is null when no answer came. */
export class RegistryRequestError extends RemoteFailure {
  override readonly name: string = 'RegistryRequestError';
  readonly status: number | null;
  /** from Retry-After, when the registry said how long to wait */
  readonly retryAfterMs: number | null;
  /** false for an answer that asking again cannot mend (a body over its limit) */
  readonly retryable: boolean;
  readonly host: string;
  readonly via: string | null;

  constructor(
    message: string,
    details: { status: number | null; retryAfterMs: number | null; target: RequestTarget; retryable?: boolean },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.retryable = details.retryable ?? true;
    this.host = details.target.host;
    this.via = details.target.via;
  }
}

/** Runs the request through `send`; whatever `send` finally throws becomes a failed outcome, not an exception. */
export async function sendRequest(send: RegistrySettings['send'], label: string, request: RegistryRequest): Promise<RequestOutcome> {
  try {
    return { ok: true, response: await send(label, (signal) => exchange(request, signal)) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function exchange(request: RegistryRequest, signal: AbortSignal | undefined): Promise<RegistryResponse> {
  const { method, target } = request;
  const where = target.via === null ? target.host : `${target.host} (through ${target.via})`;
  let response: Response;
  try {
    // Registries redirect GETs to storage; fetch drops Authorization when the origin changes.
    response = await fetch(target.url, { method, headers: request.headers, redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (cause) {
    throw new RegistryRequestError(`could not reach ${where}: ${networkReason(cause)}`, { status: null, retryAfterMs: null, target }, { cause });
  }
  if (RETRYABLE_STATUSES.has(response.status)) {
    await discard(response);
    const details = { status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()), target };
    throw new RegistryRequestError(`${where} answered HTTP ${response.status}`, details);
  }
  if (request.readBody === null) {
    await discard(response);
    return { status: response.status, headers: response.headers, body: null };
  }
  return { status: response.status, headers: response.headers, body: await readBody(response, request.readBody, target, where) };
}

async function readBody(response: Response, maxBytes: number, target: RequestTarget, where: string): Promise<Uint8Array> {
  try {
    return await readLimitedBody(response, maxBytes);
  } catch (cause) {
    if (cause instanceof BodyTooLargeError) {
      const details = { status: response.status, retryAfterMs: null, target, retryable: false };
      throw new RegistryRequestError(`${where} answered HTTP ${response.status} with a body over ${maxBytes} bytes, more than binauthz-gate reads`, details, {
        cause,
      });
    }
    const message = `the answer from ${where} broke off: ${networkReason(cause)}`;
    throw new RegistryRequestError(message, { status: null, retryAfterMs: null, target }, { cause });
  }
}

// An unread body holds its connection open; cancelling hands the socket back to the pool.
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND, a TLS error) is in its cause. */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
}
