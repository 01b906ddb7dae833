// Turns a failed Google API call into a message a user can act on: which call, on which
// object, what Google said, and the role that is missing. Never includes request headers,
// so tokens cannot leak through it.
import { classifyHttpFailure, DeadlineError, type AttemptFailure } from '../net/retry.ts';
import { RemoteFailure, messageOf } from '../errors.ts';

export type GoogleApi = 'Binary Authorization' | 'Container Analysis' | 'Cloud KMS' | 'Cloud Run';

export class ApiError extends RemoteFailure {
  override readonly name: string = 'ApiError';
  readonly status: number | null;
  constructor(message: string, status: number | null, cause: unknown) {
    super(message, { cause });
    this.status = status;
  }
}

interface HttpErrorLike {
  status?: number;
  code?: string | number;
  message?: string;
  response?: { status?: number; headers?: { get?: (name: string) => string | null } | Record<string, string>; data?: unknown };
}

export function statusOf(error: unknown): number | null {
  const e = error as HttpErrorLike | null;
  const status = e?.status ?? e?.response?.status;
  return typeof status === 'number' ? status : null;
}

function headerOf(error: unknown, name: string): string | null {
  const headers = (error as HttpErrorLike | null)?.response?.headers;
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name);
  const value = (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : null;
}

/** The first string code along the cause chain: gaxios wraps fetch's TypeError, which wraps the socket's error. */
function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, name, cause } = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    // A DOMException's code is a number; its name (AbortError, TimeoutError) is what says what happened.
    if (name === 'AbortError' || name === 'TimeoutError') return name;
    current = cause;
  }
  return null;
}

/** gaxios' Content-Length check, or node-fetch's count of the bytes read (its FetchError of type max-size). */
function isOversized(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { type, message, cause } = current as { type?: unknown; message?: unknown; cause?: unknown };
    if (type === 'max-size' || (typeof message === 'string' && message.includes('Content-Length` is over the limit'))) return true;
    current = cause;
  }
  return false;
}

/** For withRetry(): 429, 5xx, dropped connections and timeouts are worth another try; an oversized answer is not. */
export function classifyApiFailure(error: unknown): AttemptFailure {
  if (error instanceof ApiError || isOversized(error)) return { retryable: false };
  return classifyHttpFailure(statusOf(error), codeOf(error), headerOf(error, 'retry-after'), Date.now());
}

/** Google's error body: {"error": {"code", "message", "status"}}. */
function googleMessage(error: unknown): string | null {
  const data = (error as HttpErrorLike | null)?.response?.data as { error?: { message?: unknown; status?: unknown } } | undefined;
  const message = data?.error?.message;
  const status = data?.error?.status;
  if (typeof message !== 'string') return null;
  const said = typeof status === 'string' ? `${status}: ${message}` : message;
  return said.length > MAX_SAID ? `${said.slice(0, MAX_SAID)}…` : said;
}

/** Google's own messages are a sentence or two; an endpoint that says more is cut. */
const MAX_SAID = 500;

export interface CallDescription {
  readonly api: GoogleApi;
  /** e.g. "get policy projects/p/policy" */
  readonly action: string;
  /** The role that grants this call, named in 401/403 messages. */
  readonly role: string;
}

export function describeFailure(call: CallDescription, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DeadlineError) {
    const answered = error.failures.filter((failure) => statusOf(failure) !== null);
    const last = answered.length > 0 ? statusOf(answered.at(-1)) : null;
    const tries = error.failures.length;
    const lastAnswer = last !== null ? `; ${tries} attempt(s), the last answer was HTTP ${last}` : tries > 0 ? `; ${tries} attempt(s), none answered` : '';
    return new ApiError(`${call.api}: failed to ${call.action}: no answer within the time limit (timeout)${lastAnswer}`, last, error);
  }
  const prefix = `${call.api}: failed to ${call.action}`;
  if (isOversized(error))
    return new ApiError(`${prefix}: the answer is larger than binauthz-gate reads (a broken or hostile endpoint?)`, statusOf(error), error);
  const status = statusOf(error);
  const said = googleMessage(error);
  if (status === 401)
    return new ApiError(`${prefix}: HTTP 401, the credentials were not accepted (expired or missing token?)${said ? ` (${said})` : ''}`, status, error);
  if (status === 403) return new ApiError(`${prefix}: HTTP 403, permission denied: the caller needs ${call.role}${said ? ` (${said})` : ''}`, status, error);
  if (status === 404) return new ApiError(`${prefix}: HTTP 404, it does not exist (or the caller cannot see it)${said ? ` (${said})` : ''}`, status, error);
  if (status !== null) return new ApiError(`${prefix}: HTTP ${status}${said ? ` (${said})` : ''}`, status, error);
  const code = codeOf(error);
  return new ApiError(`${prefix}: no answer (${code ?? withoutUrls(messageOf(error))})`, null, error);
}

/**
 * node-fetch puts the request URL in its messages ("request to URL failed, reason: …"), and a URL may
 * carry a page token the answer chose: the report gets the reason, not the URL.
 */
function withoutUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/\S+/g, '(the request URL)');
}
