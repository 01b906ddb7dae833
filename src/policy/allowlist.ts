/**
 * Binary Authorization exempt-image patterns (`admissionWhitelistPatterns`) as Cloud Run evaluates them.
 *
 * Cloud Run resolves every image to a digest before the check, so the evaluated string is always
 * E = `<name>@sha256:<64 hex>` and a tag never appears in it (reference §2.2, Q3). Matching is a plain,
 * case-sensitive string test (reference §2.3, Q2):
 *   - `P**`: E starts with P (a bare string prefix, so it can over-match a sibling directory);
 *   - `P*`:  E starts with P and the rest of E has no '/';
 *   - else:  E equals the pattern.
 */

import type { Digest } from '../images/reference.ts';

export interface AllowlistPattern {
  readonly text: string;
  readonly wildcard: 'none' | 'star' | 'doublestar';
  readonly prefix: string; // text without the trailing wildcard
}

export type ParsedPattern =
  | { readonly ok: true; readonly pattern: AllowlistPattern; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problem: string };

export type PatternMatch = 'match' | 'no-match' | 'needs-digest';

const DIGEST_MARK = '@sha256:';
const DIGEST_HEX_RE = /^[0-9a-f]{64}$/;
const DIGEST_HEX_PREFIX_RE = /^[0-9a-f]{1,64}$/;

const quote = (text: string): string => JSON.stringify(text);

export function parseAllowlistPattern(text: string): ParsedPattern {
  const problem = patternProblem(text);
  if (problem !== null) return { ok: false, problem };
  const stars = trailingStars(text);
  const pattern: AllowlistPattern = {
    text,
    wildcard: stars === 0 ? 'none' : stars === 1 ? 'star' : 'doublestar',
    prefix: text.slice(0, text.length - stars),
  };
  return { ok: true, pattern, warnings: patternWarnings(pattern) };
}

function trailingStars(text: string): number {
  return text.length - text.replace(/\*+$/, '').length;
}

/** The documented rules (§2.1, §2.3 step 5) plus whitespace, which no image name can contain. */
function patternProblem(text: unknown): string | null {
  if (typeof text !== 'string' || text.trim() === '') return 'exempt image pattern is empty';
  const q = quote(text);
  if (/\s/.test(text)) return `exempt image pattern ${q} contains whitespace, which no image name can contain`;
  const stars = trailingStars(text);
  if (stars > 2) return `exempt image pattern ${q} ends in ${stars} '*': use '*' for one directory level or '**' for a whole tree`;
  const prefix = text.slice(0, text.length - stars);
  if (prefix.includes('*')) {
    return `exempt image pattern ${q} has a '*' before its end: wildcards are allowed only at the end (gcr.io/my-project/nginx* is valid, gcr.io/my-project/n*x is not)`;
  }
  if (stars > 0 && !prefix.includes('/')) {
    return `exempt image pattern ${q} has a wildcard before the first '/': write the registry host in full, as in gcr.io/my-project/**`;
  }
  return null;
}

function patternWarnings(pattern: AllowlistPattern): string[] {
  const warnings = [tagOrDigestWarning(pattern), overMatchWarning(pattern), upperCaseWarning(pattern.text)];
  return warnings.filter((warning): warning is string => warning !== null);
}

function splitAtDigest(prefix: string): { name: string; digest: string | null } {
  const at = prefix.indexOf('@');
  return at === -1 ? { name: prefix, digest: null } : { name: prefix.slice(0, at), digest: prefix.slice(at + 1) };
}

/** A tag, a missing digest or a malformed digest all make a pattern that can never equal E. */
function tagOrDigestWarning(pattern: AllowlistPattern): string | null {
  const q = quote(pattern.text);
  const { name, digest } = splitAtDigest(pattern.prefix);
  const lastComponent = name.slice(name.lastIndexOf('/') + 1);
  const tagAt = lastComponent.indexOf(':');
  if (tagAt !== -1) {
    const repo = name.slice(0, name.length - lastComponent.length + tagAt);
    return `exempt image pattern ${q} has a tag, so it can never match on Cloud Run, which matches REPO@DIGEST: write ${repo}@* instead`;
  }
  if (digest === null) {
    if (pattern.wildcard !== 'none') return null;
    return `exempt image pattern ${q} never matches on Cloud Run, which evaluates NAME@sha256:<digest>; write ${name}@* for every version of this image or ${name}/** for everything below it`;
  }
  if (digestCanMatch(digest, pattern.wildcard !== 'none')) return null;
  return `exempt image pattern ${q} can never match on Cloud Run: the text after '@' must be sha256: and 64 lower-case hex characters`;
}

function digestCanMatch(digest: string, isPrefix: boolean): boolean {
  if (!isPrefix) return digest.startsWith('sha256:') && DIGEST_HEX_RE.test(digest.slice(7));
  if ('sha256:'.startsWith(digest)) return true;
  return digest.startsWith('sha256:') && DIGEST_HEX_PREFIX_RE.test(digest.slice(7));
}

/**
 * A wildcard right after a name character is a bare prefix: `nginx*` also takes `nginx-debug`, and
 * `my-project**` also takes `my-project-exploit/...` (the docs' own caution). A prefix ending in '-', '.' or '_'
 * says the user wants exactly that, so it gets no warning.
 */
function overMatchWarning(pattern: AllowlistPattern): string | null {
  const { prefix, wildcard } = pattern;
  if (wildcard === 'none' || prefix.includes('@') || !/[A-Za-z0-9]$/.test(prefix)) return null;
  if (prefix.slice(prefix.lastIndexOf('/') + 1).includes(':')) return null; // a tag: reported by tagOrDigestWarning
  const q = quote(pattern.text);
  if (wildcard === 'star') {
    return `exempt image pattern ${q} also matches every sibling image whose name starts with the same text, such as ${prefix}-debug; write ${prefix}@* to exempt only ${prefix}`;
  }
  return `exempt image pattern ${q} is a bare string prefix that also matches ${prefix}-exploit/...; write ${prefix}/** to exempt only what is below ${prefix}`;
}

function upperCaseWarning(text: string): string | null {
  if (!/[A-Z]/.test(text)) return null;
  const q = quote(text);
  // With no '/' the whole pattern is a name (a local reference), not a host.
  const slash = text.indexOf('/');
  if (/[A-Z]/.test(text.slice(Math.max(slash, 0)))) {
    return `exempt image pattern ${q} has upper case after the registry host; matching is case-sensitive and image paths and digests are lower case, so it never matches (fill in any placeholders)`;
  }
  return `exempt image pattern ${q} has upper case in the registry host; matching is case-sensitive, so it matches only images whose reference spells the host exactly this way`;
}

/** The string test of §2.3 on a fully known evaluated string (also GKE's E, which may carry a tag). */
export function matchesEvaluatedImage(pattern: AllowlistPattern, evaluated: string): boolean {
  switch (pattern.wildcard) {
    case 'doublestar':
      return evaluated.startsWith(pattern.prefix);
    case 'star':
      return evaluated.startsWith(pattern.prefix) && !evaluated.slice(pattern.prefix.length).includes('/');
    case 'none':
      return evaluated === pattern.text;
  }
}

/** digest null = the image is written with a tag and not resolved: E's digest is some unknown sha256. Return 'needs-digest' only when the outcome depends on the unknown digest value. */
export function matchesAllowlistPattern(pattern: AllowlistPattern, name: string, digest: string | null): PatternMatch {
  if (digest !== null) return matchesEvaluatedImage(pattern, `${name}@${digest}`) ? 'match' : 'no-match';
  return matchUnknownDigest(pattern, `${name}${DIGEST_MARK}`);
}

/**
 * E = known + X where X is any 64 lower-case hex characters. A wildcard whose prefix ends inside `known`
 * decides on `known` alone (X holds no '/'); one that reaches into X matches some X and not others,
 * if the part it reaches with could start a digest at all.
 */
function matchUnknownDigest(pattern: AllowlistPattern, known: string): PatternMatch {
  if (pattern.wildcard !== 'none' && pattern.prefix.length <= known.length) {
    return matchesEvaluatedImage(pattern, known + '0'.repeat(64)) ? 'match' : 'no-match';
  }
  const target = pattern.wildcard === 'none' ? pattern.text : pattern.prefix;
  if (!target.startsWith(known)) return 'no-match';
  const hex = target.slice(known.length);
  const possible = pattern.wildcard === 'none' ? DIGEST_HEX_RE.test(hex) : DIGEST_HEX_PREFIX_RE.test(hex);
  return possible ? 'needs-digest' : 'no-match';
}

/** An image is exempt if any pattern matches; it is undecided if none matches but one might. */
export function matchesAnyAllowlistPattern(patterns: readonly AllowlistPattern[], name: string, digest: Digest | null): PatternMatch {
  const results = patterns.map((pattern) => matchesAllowlistPattern(pattern, name, digest));
  if (results.includes('match')) return 'match';
  return results.includes('needs-digest') ? 'needs-digest' : 'no-match';
}
