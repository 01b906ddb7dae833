// Google's answers, checked against the questions asked. An answer is used only when it is the
// documented object and names what was asked for: the policy of the project asked about, the
// attestor asked for, occurrences on the note and for the digest asked about. Anything else is an
// ApiError naming the API and what was wrong; it is never a pass and never "not found". Values read
// from an answer are quoted only when they have the shape of a resource name.
import { ApiError, type CallDescription } from './api-failure.ts';

export type JsonObject = Record<string, unknown>;

/**
 * Bounds on one list: a repeated token or more than this is an error, so that no list can run forever.
 * One attestor attests one digest a handful of times; 1,000 occurrences is far past any real list,
 * and few enough to verify each within a fraction of a second (the verifying is not under --timeout).
 */
export const LIST_LIMITS = { pages: 100, items: 1_000, tokenChars: 8192 } as const;

/** The most bytes one Google answer may have (a full page of occurrences is well under 1 MiB). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * What googleapis hands gaxios for each request: no retries of its own (the runner retries), the
 * attempt's time and signal, the body read as JSON whatever its Content-Type says (so HTML or a
 * truncated answer arrives as text, which the checks refuse), and at most MAX_ANSWER_BYTES of it
 * (gaxios' fetch, node-fetch, counts the bytes it reads and stops past the limit).
 */
export function answerOptions(timeout: number, signal: AbortSignal) {
  return { retry: false, timeout, signal, responseType: 'json' as const, maxContentLength: MAX_ANSWER_BYTES };
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A value from an answer, as it may be quoted in a message. */
export function quotedName(value: unknown): string {
  if (typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._~:@/+-]{0,299}$/.test(value)) return value;
  return value === undefined ? 'nothing' : 'a value that is not a resource name';
}

/** What a body that is not a JSON object is, without quoting it: it may hold anything. */
function shapeOf(value: unknown): string {
  if (typeof value === 'string') {
    if (value.trim() === '') return 'an empty body';
    return value.trimStart().startsWith('<') ? 'an HTML (or XML) page, not JSON' : 'text that is not a JSON object (a truncated answer?)';
  }
  if (Array.isArray(value)) return 'a JSON array';
  if (value === null || value === undefined) return 'empty (JSON null)';
  if (typeof value === 'object') return 'binary data';
  return `a JSON ${typeof value}`;
}

/** An answer that is not the one asked for: never retried, always naming the API and the call. */
export function wrongAnswer(call: CallDescription, problem: string): ApiError {
  return new ApiError(`${call.api}: failed to ${call.action}: the answer (HTTP 200) ${problem}`, 200, null);
}

/** The answer as a JSON object, or the error saying what came instead. */
export function answerObject(call: CallDescription, what: string, data: unknown): JsonObject {
  if (isJsonObject(data)) return data;
  throw wrongAnswer(call, `is not the documented ${what}: it is ${shapeOf(data)}`);
}

/**
 * The policy of `projects/PROJECT/policy`, exactly as asked. Google names the policy as it was asked
 * for (by project id, or by number when asked by number). Another name is refused even when it is a
 * project number: the number could be anyone's project (an attacker's ALWAYS_ALLOW
 * `projects/123/policy`), and telling whose it is would take a Resource Manager call the gate does not make.
 */
export function checkedPolicy(call: CallDescription, project: string, data: unknown): JsonObject {
  const policy = answerObject(call, 'Policy object', data);
  const asked = `projects/${project}/policy`;
  if (policy['name'] === asked) return policy;
  if (policy['name'] === undefined) throw wrongAnswer(call, `names no policy (it has no "name"), so it cannot be told to be ${asked}; it is not used`);
  const named = quotedName(policy['name']);
  const number = /^projects\/(\d+)\/policy$/.exec(named)?.[1];
  const hint = number !== undefined && !/^\d+$/.test(project) ? `; if ${number} is the number of project ${project}, ask for the project by that number` : '';
  throw wrongAnswer(call, `is the policy ${named}, not ${asked}: a policy of another project is never used${hint}`);
}

/** The attestor `name`, exactly as asked: another attestor's answer carries another note and other keys. */
export function checkedAttestor(call: CallDescription, name: string, data: unknown): JsonObject {
  const attestor = answerObject(call, 'Attestor object', data);
  if (attestor['name'] === name) return attestor;
  throw wrongAnswer(call, `is the attestor ${quotedName(attestor['name'])}, not ${name}: another attestor is never used`);
}

export interface OccurrencePage {
  readonly occurrences: readonly JsonObject[];
  /** null on the last page (proto3 JSON leaves the token out, or sends it empty). */
  readonly nextPageToken: string | null;
}

/** One page of ListNoteOccurrencesResponse: `occurrences` (left out when empty) and `nextPageToken`. */
export function checkedOccurrencePage(call: CallDescription, data: unknown): OccurrencePage {
  const page = answerObject(call, 'ListNoteOccurrencesResponse object', data);
  const list = page['occurrences'] ?? [];
  if (!Array.isArray(list)) throw wrongAnswer(call, `has "occurrences" that is ${shapeOf(list)}, not a list`);
  const index = list.findIndex((item) => !isJsonObject(item));
  if (index !== -1) throw wrongAnswer(call, `has occurrence #${index + 1} that is ${shapeOf(list[index])}, not an Occurrence object`);
  const token = page['nextPageToken'] ?? '';
  if (typeof token !== 'string') throw wrongAnswer(call, `has "nextPageToken" that is ${shapeOf(token)}, not a string`);
  if (token.length > LIST_LIMITS.tokenChars) throw wrongAnswer(call, `has a "nextPageToken" longer than ${LIST_LIMITS.tokenChars} characters`);
  return { occurrences: list as JsonObject[], nextPageToken: token === '' ? null : token };
}

/** Tracks one list's pages: a token seen before, too many pages or too many items end it as an error. */
export function createPageGuard(
  call: CallDescription,
  limits: { readonly pages: number; readonly items: number } = LIST_LIMITS,
): { page(count: number): void; next(token: string): void } {
  const tokens = new Set<string>();
  let pages = 0;
  let items = 0;
  return {
    page(count) {
      pages++;
      items += count;
      if (items > limits.items) throw wrongAnswer(call, `makes the list longer than ${limits.items} items, more than binauthz-gate reads`);
    },
    next(token) {
      if (tokens.has(token)) throw wrongAnswer(call, `repeats a page token it gave before, so the list would never end`);
      if (pages >= limits.pages) throw wrongAnswer(call, `asks for a page beyond ${limits.pages} pages, more than binauthz-gate reads`);
      tokens.add(token);
    },
  };
}

/** A `nextPageToken` as an answer gives it: null at the end, an error when it is not a bounded string. */
export function nextPageToken(call: CallDescription, page: JsonObject): string | null {
  const token = page['nextPageToken'];
  if (token === undefined || token === null || token === '') return null;
  if (typeof token !== 'string') throw wrongAnswer(call, 'has a "nextPageToken" that is not a string');
  if (token.length > LIST_LIMITS.tokenChars) throw wrongAnswer(call, `has a "nextPageToken" longer than ${LIST_LIMITS.tokenChars} characters`);
  return token;
}

export interface OccurrencesOnTarget {
  /** On the note asked about and for the digest asked about: the only ones that may count. */
  readonly onTarget: readonly JsonObject[];
  /** One line per occurrence that was not, saying what it was instead; never used. */
  readonly ignored: readonly string[];
}

/** Splits a list answer into the occurrences that were asked for and those that were not (a broken or hostile answer). */
export function occurrencesOnTarget(note: string, digest: string, occurrences: readonly JsonObject[]): OccurrencesOnTarget {
  const onTarget: JsonObject[] = [];
  const ignored: string[] = [];
  occurrences.forEach((occurrence, index) => {
    const label = typeof occurrence['name'] === 'string' ? `occurrence ${quotedName(occurrence['name'])}` : `occurrence #${index + 1}`;
    const { noteName, resourceUri } = occurrence;
    if (noteName !== note) ignored.push(`${label} is on note ${quotedName(noteName)}, not ${note}`);
    else if (typeof resourceUri !== 'string' || !resourceUri.endsWith(`@${digest}`))
      ignored.push(`${label} is for ${quotedName(resourceUri)}, not an image @${digest}`);
    else onTarget.push(occurrence);
  });
  return { onTarget, ignored };
}

/** The created occurrence must be the one sent: on its note, for its image. */
export function checkedCreatedOccurrence(call: CallDescription, sent: { readonly noteName: string; readonly resourceUri: string }, data: unknown): JsonObject {
  const created = answerObject(call, 'Occurrence object', data);
  if (created['noteName'] !== sent.noteName) throw wrongAnswer(call, `is an occurrence on note ${quotedName(created['noteName'])}, not ${sent.noteName}`);
  const uri = created['resourceUri'];
  if (uri !== sent.resourceUri && uri !== `https://${sent.resourceUri}`)
    throw wrongAnswer(call, `is an occurrence for ${quotedName(uri)}, not ${sent.resourceUri}`);
  return created;
}

/** A Cloud KMS answer about (or signed by) the key version asked for; `name` is always in KMS answers. */
export function checkedKeyAnswer(call: CallDescription, what: string, keyVersion: string, data: unknown): JsonObject {
  const answer = answerObject(call, what, data);
  if (answer['name'] !== undefined && answer['name'] !== keyVersion)
    throw wrongAnswer(call, `is about key version ${quotedName(answer['name'])}, not ${keyVersion}`);
  return answer;
}
