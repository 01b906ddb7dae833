// Every action input, read once into one typed, validated settings object. An input left
// empty takes its default (the runner passes action.yml's defaults; other callers may not),
// and a bad value is an error naming the input and what was expected.
import type { FailOn } from '../report/report.ts';
import { UserError } from '../errors.ts';
import {
  attestorName,
  bool as boolean,
  concurrency,
  DEFAULTS,
  failOn,
  kmsKeyVersionName,
  maxFileBytes,
  oneOf as oneOfChecked,
  registryMirrors,
  timeoutSeconds,
  valueOrThrow,
  type Checked,
} from '../run/validate.ts';
import { parseBuiltImages } from '../manifests/substitute-images.ts';
import type { ImageReference } from '../images/reference.ts';

/** Every extension the CLI reads (.yaml, .yml, .json); patterns match without case, so svc.YAML counts. */
export const DEFAULT_MANIFEST_PATTERNS: readonly string[] = ['**/*.{yaml,yml,json}', '!.github/**', '!**/node_modules/**'];
/** The run's deadline for every remote call (GitHub and Google), as the CLI's --timeout. */
export const DEFAULT_TIMEOUT_SECONDS = DEFAULTS.timeoutSeconds;

export type ActionMode =
  | { readonly kind: 'check'; readonly builtImages: readonly ImageReference[] }
  | { readonly kind: 'attest'; readonly attestor: string; readonly kmsKeyVersion: string; readonly images: readonly string[] };

export interface ActionSettings {
  readonly mode: ActionMode;
  readonly projectId: string | null;
  readonly policyFile: string | null;
  /** `policy_address`: which google_binary_authorization_policy of a Terraform plan `policy_file` is. */
  readonly policyAddress: string | null;
  /** `deployed_regions`: the regions whose deployed services and jobs count (['all'] for every one); null when unset. */
  readonly deployedRegions: readonly string[] | null;
  readonly manifests: readonly string[];
  readonly githubToken: string;
  readonly comment: boolean;
  readonly failOn: FailOn;
  readonly requireEnforcement: boolean;
  readonly resolveTags: boolean;
  /** the deadline for every remote call of the run, retries included */
  readonly timeoutMs: number;
  /** Google and registry requests in flight at once */
  readonly concurrency: number;
  /** registry host → mirror base URL */
  readonly mirrors: ReadonlyMap<string, string>;
  readonly maxFileBytes: number;
  /** A run that finds no Cloud Run workload passes (the action's default: its patterns match every YAML and JSON file). */
  readonly allowEmpty: boolean;
}

type GetInput = (name: string) => string;

export function readInputs(getInput: GetInput): ActionSettings {
  const input = (name: string): string => getInput(name).trim();
  const mode = shared('mode', oneOfChecked(input('mode'), ['check', 'attest'] as const, 'check'));
  const images = lines(input('images'));
  return {
    mode: mode === 'check' ? { kind: 'check', builtImages: builtImages(images) } : attestMode(input, images),
    projectId: optional(input('project_id')),
    policyFile: optional(input('policy_file')),
    policyAddress: optional(input('policy_address')),
    deployedRegions: regions(input('deployed_regions')),
    manifests: manifestPatterns(input('manifests')),
    githubToken: input('github_token'),
    comment: bool('comment', input('comment'), true),
    failOn: shared('fail_on', failOn(input('fail_on'))),
    requireEnforcement: bool('require_enforcement', input('require_enforcement'), DEFAULTS.requireEnforcement),
    resolveTags: bool('resolve_tags', input('resolve_tags'), DEFAULTS.resolveTags),
    timeoutMs: shared('timeout', timeoutSeconds(input('timeout'))) * 1000,
    concurrency: shared('concurrency', concurrency(input('concurrency'))),
    mirrors: shared('registry_mirrors', registryMirrors(lines(input('registry_mirrors'), /\n/))),
    maxFileBytes: shared('max_file_size', maxFileBytes(input('max_file_size'))),
    // Unlike the CLI's: the default patterns match package.json and any YAML, most of them no Cloud Run workload.
    allowEmpty: bool('allow_empty', input('allow_empty'), true),
  };
}

function attestMode(input: (name: string) => string, images: readonly string[]): ActionMode {
  // Required when mode is attest: the shared validators say what is expected.
  const attestor = shared('attestor', attestorName(input('attestor')));
  const kmsKeyVersion = shared('kms_key_version', kmsKeyVersionName(input('kms_key_version')));
  // The build names what it made; nothing else is signed (a branch's manifests are anyone's to edit).
  if (images.length === 0) {
    throw new UserError('Invalid images: empty. Expected the images the build pushed, one per line as IMAGE@sha256:DIGEST (required when mode is attest).');
  }
  return { kind: 'attest', attestor, kmsKeyVersion, images };
}

function builtImages(texts: readonly string[]): readonly ImageReference[] {
  const parsed = parseBuiltImages(texts);
  if (!parsed.ok) throw new UserError(`Invalid images: ${parsed.problem}.`);
  return parsed.images;
}

function manifestPatterns(text: string): readonly string[] {
  // One pattern per line and never split on commas: `deploy/**/*.{yaml,yml}` is one pattern.
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.length === 0) return DEFAULT_MANIFEST_PATTERNS;
  if (!patterns.some((p) => !p.startsWith('!')))
    throw new UserError(`Invalid manifests: only exclusions ('!…'). Expected at least one glob pattern such as 'deploy/**/*.yaml'.`);
  return patterns;
}

/** One value per line (commas too, unless `separator` says otherwise), blank lines and `#` comments ignored. */
function lines(text: string, separator: RegExp = /[\n,]/): string[] {
  return text
    .split(separator)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function regions(text: string): readonly string[] | null {
  const names = lines(text);
  if (names.length === 0) return null;
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
      throw new UserError(`Invalid deployed_regions '${name}'. Expected Cloud Run regions such as us-central1, one per line, or all.`);
  }
  return names.includes('all') ? ['all'] : [...new Set(names)];
}

function optional(text: string): string | null {
  return text === '' ? null : text;
}

function bool(name: string, text: string, fallback: boolean): boolean {
  return shared(name, boolean(text, fallback));
}

/** A shared validator's verdict, its problem told as the action's own: `Input timeout must be ...`. */
function shared<T>(name: string, checked: Checked<T>): T {
  return valueOrThrow(`Input ${name}`, checked);
}
