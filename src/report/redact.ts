// The one redaction point: every credential the run holds or derives is added here as soon as it
// is known, and every text that leaves the process (stdout, stderr, comment, summary, annotations,
// outputs, report files) goes through redact(). A secret is recognised raw and in the forms it
// takes inside other texts: URL-encoded, form-encoded, JSON-escaped and base64 (at any alignment,
// standard or URL-safe alphabet). Well-known token shapes and Authorization header values are
// redacted even when nobody added them (defence in depth).

const REDACTED = '***';

/**
 * Secrets shorter than this are not added: a real credential is longer, and redacting every
 * occurrence of a short word (a mistyped token input "abc") would turn reports into asterisks.
 */
export const MIN_SECRET_LENGTH = 8;

/** A base64 core shorter than this is too likely to occur by chance in other base64 text. */
const MIN_BASE64_CORE = 8;

/** Fields of credential files (ADC, service-account keys, external_account) whose values are secrets. */
const SECRET_FIELDS = new Set(['private_key', 'refresh_token', 'client_secret', 'access_token', 'id_token', 'token', 'subject_token', 'password']);

// Shapes of credentials that are redacted whoever added them.
const PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /\bya29\.[A-Za-z0-9._~+/-]{8,}=*/g, // Google OAuth access tokens
  /\b1\/\/[A-Za-z0-9._~+/-]{16,}/g, // Google refresh tokens
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, // GitHub tokens
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWTs (OIDC and STS subject tokens)
];
/** `Authorization: Bearer X` / `authorization=basic X` (headers, echoed requests, .git/config extraheader). */
const AUTHORIZATION = /(authorization["']?\s*[:=]\s*["']?\s*(?:bearer|basic|token)\s+)([^\s"',;]{4,})/gi;
/** `Bearer X` anywhere: the token after the scheme, if it is token-shaped. */
const BEARER = /(\bbearer\s+)([A-Za-z0-9._~+/-]{8,}=*)/gi;

export class Redactor {
  readonly #forms = new Set<string>();
  /** Secrets already added: the credentials are fed again on every request, and their forms cost a PEM's worth of base64 each time. */
  readonly #added = new Set<string>();
  #pattern: RegExp | null = null;

  /** Adds a secret (trimmed); secrets shorter than MIN_SECRET_LENGTH are ignored. */
  add(secret: string | null | undefined): void {
    const value = secret?.trim();
    if (!value || value.length < MIN_SECRET_LENGTH || this.#added.has(value)) return;
    this.#added.add(value);
    const before = this.#forms.size;
    for (const form of formsOf(value)) this.#forms.add(form);
    if (this.#forms.size !== before) this.#pattern = null;
  }

  /** A PEM file: the whole text, each block's base64 body (joined and line by line) and its DER. */
  addPem(text: string): void {
    this.add(text);
    for (const block of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
      this.add(block[0]);
      const lines = (block[2] ?? '')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => /^[A-Za-z0-9+/=]+$/.test(line));
      this.add(lines.join(''));
      this.add(lines.join('\n'));
      for (const line of lines) this.add(line);
    }
  }

  /** A credential file's JSON (ADC, service-account key, external_account): its secret fields and header values. */
  addCredentialJson(value: unknown): void {
    walk(value, (key, leaf) => {
      if (typeof leaf !== 'string') return;
      if (key === 'private_key') this.addPem(leaf);
      else if (SECRET_FIELDS.has(key) || /^authorization$/i.test(key)) this.add(leaf.replace(/^(bearer|basic)\s+/i, ''));
    });
  }

  /** The text with every known secret and credential shape replaced by `***`. */
  redact(text: string): string {
    let out = text;
    const known = this.#knownPattern();
    if (known) out = out.replace(known, REDACTED);
    for (const pattern of PATTERNS) out = out.replace(pattern, REDACTED);
    out = out.replace(AUTHORIZATION, (_, head: string) => `${head}${REDACTED}`);
    return out.replace(BEARER, (_, head: string) => `${head}${REDACTED}`);
  }

  /** A JSON-like value with every string redacted (keys included), copied only where a string changed; for reports before formatting. */
  redactValue<T>(value: T): T {
    return redactDeep(value, (text) => this.redact(text), 0) as T;
  }

  #knownPattern(): RegExp | null {
    if (this.#forms.size === 0) return null;
    // Longest first, so that a form containing another is replaced whole.
    this.#pattern ??= new RegExp(
      [...this.#forms]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return this.#pattern;
  }
}

/** Every spelling under which `secret` can appear inside another text. */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(JSON.stringify(json).slice(1, -1)); // escaped twice: a JSON text inside a JSON string
  forms.add(json.replaceAll('/', '\\/')); // JSON writers that escape the solidus
  for (const core of base64Cores(Buffer.from(secret, 'utf8'))) {
    forms.add(core);
    forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * The part of the base64 encoding of `bytes` that is the same wherever they sit in a longer text:
 * for each of the three alignments, the characters that encode only the secret's own bits.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    const core = encoded.slice(start, end);
    if (core.length >= MIN_BASE64_CORE) cores.push(core);
  }
  return cores;
}

function walk(value: unknown, visit: (key: string, leaf: unknown) => void, depth = 0): void {
  if (depth > 32 || typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    visit(key, child);
    walk(child, visit, depth + 1);
  }
}

/**
 * The value with every string redacted. What holds nothing to redact is returned as it is, not
 * copied: a report of 50,000 workloads is not held twice just to find that it held no secret.
 */
function redactDeep(value: unknown, redact: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 64 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    value.forEach((item, index) => {
      const redacted = redactDeep(item, redact, depth + 1);
      if (redacted === item) return;
      out ??= value.slice();
      out[index] = redacted;
    });
    return out ?? value;
  }
  const entries = Object.entries(value);
  let changed = false;
  const redacted = entries.map(([key, child]): [string, unknown] => {
    const entry: [string, unknown] = [redact(key), redactDeep(child, redact, depth + 1)];
    changed ||= entry[0] !== key || entry[1] !== child;
    return entry;
  });
  return changed ? Object.fromEntries(redacted) : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Environment variables that hold credentials whichever front end runs: their values are secrets. */
const CREDENTIAL_VARIABLES = [
  'CLOUDSDK_AUTH_ACCESS_TOKEN',
  'GOOGLE_OAUTH_ACCESS_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'INPUT_GITHUB_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
] as const;

/** A redactor that already knows the credentials in the environment. */
export function redactorFor(env: Readonly<Record<string, string | undefined>>): Redactor {
  const redactor = new Redactor();
  for (const name of CREDENTIAL_VARIABLES) redactor.add(env[name]);
  return redactor;
}
