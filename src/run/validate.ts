// Every setting both front ends take, validated once: the CLI and the action call the same
// function, get the same default, and show the same problem text, each prefixed with its own
// name for the setting (`--concurrency` on the command line, `concurrency` in the action).
import { DEFAULT_MAX_FILE_BYTES } from '../files/manifest-files.ts';
import { ATTESTOR_NAME, KMS_KEY_VERSION_NAME } from '../policy/resource-names.ts';
import type { FailOn } from '../report/report.ts';
import { UserError } from '../errors.ts';

/** A value, or what is wrong with the text it was read from (a sentence that follows the setting's name). */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export const DEFAULTS = {
  concurrency: 8,
  timeoutSeconds: 60,
  maxFileBytes: DEFAULT_MAX_FILE_BYTES,
  failOn: 'fail' as FailOn,
  resolveTags: true,
  requireEnforcement: true,
} as const;

const FAIL_ON_LEVELS: readonly FailOn[] = ['never', 'error', 'fail', 'warn'];
export const CHECK_FORMATS = ['text', 'json', 'markdown', 'sarif', 'gitlab'] as const;
export const ATTEST_FORMATS = ['text', 'json'] as const;
export const IMPACT_FORMATS = ['text', 'json', 'markdown'] as const;

const MAX_CONCURRENCY = 64;
const MAX_TIMEOUT_SECONDS = 3600;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });

/** Shows a value the user wrote, quoted and bounded (an action input can be long). */
function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function wholeNumber(text: string, min: number, max: number): Checked<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < min || value > max) return bad(`must be a whole number from ${min} to ${max}, not ${shown(text)}`);
  return ok(value);
}

/** Requests in flight at once (Google and registries). */
export function concurrency(text: string | undefined): Checked<number> {
  return text === undefined || text.trim() === '' ? ok(DEFAULTS.concurrency) : wholeNumber(text, 1, MAX_CONCURRENCY);
}

/** The run's deadline in seconds: `90`, `90s`, `2m` or `1h`, from 1 s to 1 h. */
export function timeoutSeconds(text: string | undefined): Checked<number> {
  if (text === undefined || text.trim() === '') return ok(DEFAULTS.timeoutSeconds);
  const match = /^(\d+)\s*(s|m|h)?$/i.exec(text.trim());
  const factor = { s: 1, m: 60, h: 3600 }[(match?.[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
  const seconds = match ? Number(match[1]) * factor : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS)) {
    return bad(`must be a duration from 1 to ${MAX_TIMEOUT_SECONDS} seconds (such as 60, 90s or 2m), not ${shown(text)}`);
  }
  return ok(seconds);
}

/** The largest file read: `4MB`, `512KB`, `4096` (bytes). */
export function maxFileBytes(text: string | undefined): Checked<number> {
  if (text === undefined || text.trim() === '') return ok(DEFAULTS.maxFileBytes);
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(text.trim());
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const bytes = match ? Number(match[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1) : 0;
  if (!(bytes >= 1 && Number.isSafeInteger(bytes))) return bad(`must be a size such as 4MB or 512KB, not ${shown(text)}`);
  return ok(bytes);
}

/** Registry mirrors, each `HOST=URL` (`gcr.io=https://mirror.example`); a host given twice is a mistake. */
export function registryMirrors(entries: readonly string[]): Checked<ReadonlyMap<string, string>> {
  const mirrors = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const host = entry.slice(0, at).trim();
    const url = entry.slice(at + 1).trim();
    if (at < 1 || !/^[A-Za-z0-9.-]+(?::\d+)?$/.test(host) || !/^https?:\/\/[^\s]+$/.test(url)) {
      return bad(`must be HOST=URL (e.g. gcr.io=https://mirror.example), not ${shown(entry)}`);
    }
    if (mirrors.has(host)) return bad(`names ${shown(host)} twice`);
    mirrors.set(host, url);
  }
  return ok(mirrors);
}

export function attestorName(text: string | undefined): Checked<string> {
  const name = (text ?? '').trim();
  if (ATTESTOR_NAME.test(name)) return ok(name);
  return bad(`must be an attestor name, projects/PROJECT/attestors/ATTESTOR, not ${shown(name)}`);
}

export function kmsKeyVersionName(text: string | undefined): Checked<string> {
  const name = (text ?? '').trim();
  if (KMS_KEY_VERSION_NAME.test(name)) return ok(name);
  return bad(`must be a Cloud KMS key version, projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N, not ${shown(name)}`);
}

/** gcloud's --keyversion-* parts (the command line's aliases; the action takes the full name) composed as gcloud composes them; a full name in `keyversion` stands alone. */
export interface KeyVersionParts {
  readonly keyversion?: string | undefined;
  readonly project?: string | undefined;
  readonly location?: string | undefined;
  readonly keyring?: string | undefined;
  readonly key?: string | undefined;
}

export function composeKeyVersion(parts: KeyVersionParts): Checked<string> {
  const version = parts.keyversion?.trim() ?? '';
  if (version.startsWith('projects/')) return kmsKeyVersionName(version);
  const missing = (['project', 'location', 'keyring', 'key'] as const).filter((part) => !parts[part]?.trim());
  if (missing.length > 0)
    return bad(
      `is a version number: give ${missing.map((part) => `--keyversion-${part}`).join(', ')} too, or the full projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`,
    );
  return kmsKeyVersionName(
    `projects/${parts.project?.trim()}/locations/${parts.location?.trim()}/keyRings/${parts.keyring?.trim()}/cryptoKeys/${parts.key?.trim()}/cryptoKeyVersions/${version}`,
  );
}

/** gcloud's `--attestor NAME --attestor-project P`: a short name is expanded with the project. */
export function composeAttestor(name: string | undefined, project: string | undefined): Checked<string> {
  const text = name?.trim() ?? '';
  if (text === '' || text.startsWith('projects/')) return attestorName(text);
  if (!project?.trim())
    return bad(`is a short name: give its project too (--attestor-project), or the full projects/PROJECT/attestors/ATTESTOR, not ${shown(text)}`);
  return attestorName(`projects/${project.trim()}/attestors/${text}`);
}

export function oneOf<T extends string>(text: string | undefined, allowed: readonly T[], fallback: T): Checked<T> {
  const value = text === undefined || text.trim() === '' ? fallback : text.trim();
  if ((allowed as readonly string[]).includes(value)) return ok(value as T);
  return bad(`must be one of ${allowed.join(', ')}, not ${shown(value)}`);
}

export function failOn(text: string | undefined): Checked<FailOn> {
  return oneOf(text, FAIL_ON_LEVELS, DEFAULTS.failOn);
}

/** true/false (yes/no, 1/0) as workflow inputs write them; empty takes the default. */
export function bool(text: string | undefined, fallback: boolean): Checked<boolean> {
  const value = (text ?? '').trim();
  if (value === '') return ok(fallback);
  if (/^(true|yes|1)$/i.test(value)) return ok(true);
  if (/^(false|no|0)$/i.test(value)) return ok(false);
  return bad(`must be true or false, not ${shown(value)}`);
}

/**
 * The value, or a UserError whose message is `name` followed by the problem: each front end names
 * the setting its own way (`--timeout`, `Input timeout`), the rest of the sentence is shared.
 */
export function valueOrThrow<T>(name: string, checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  throw new UserError(`${name} ${checked.problem}`);
}
