// Machine-readable fixes: what to change so that one cause of a non-passing verdict goes away.
// Each fix in a list is enough on its own; what must change together travels in one fix
// (`patterns`, `attestors`/`images`). Suggested patterns are checked here against the project's own
// pattern parser and matcher, so a fix that the gate itself would refuse is never offered.
import { parseAllowlistPattern, matchesAllowlistPattern } from './allowlist.ts';

export type Fix =
  | { readonly kind: 'add-allowlist-pattern'; readonly pattern: string }
  | { readonly kind: 'add-allowlist-pattern'; readonly patterns: readonly string[] }
  | { readonly kind: 'set-annotation'; readonly key: string; readonly value: string }
  | { readonly kind: 'remove-annotation'; readonly key: string }
  | { readonly kind: 'pin-digest'; readonly image: string }
  | { readonly kind: 'attest'; readonly attestor: string; readonly image: string }
  | { readonly kind: 'attest'; readonly attestors: readonly string[]; readonly images: readonly string[] }
  | { readonly kind: 'use-registry'; readonly hint: string }
  | { readonly kind: 'set-field'; readonly path: string; readonly value: unknown };

/**
 * The pattern that exempts every version of `name`, or only `digest` when a wildcard is impossible: the
 * parser wants the registry before a wildcard, so a short Docker Hub name (`nginx`) can only be named exactly.
 */
function exemptingPattern(name: string, digest: string | null): string | null {
  const candidate = name.includes('/') ? `${name}@*` : digest === null ? null : `${name}@${digest}`;
  if (candidate === null) return null;
  const parsed = parseAllowlistPattern(candidate);
  if (!parsed.ok) return null;
  return matchesAllowlistPattern(parsed.pattern, name, digest) === 'match' ? candidate : null;
}

/** One fix adding a pattern for every spelling, or null when one of them cannot be exempted by a pattern. */
export function allowlistFix(names: readonly string[], digest: string | null): Fix | null {
  const patterns: string[] = [];
  for (const name of names) {
    const pattern = exemptingPattern(name, digest);
    if (pattern === null) return null;
    patterns.push(pattern);
  }
  const [only] = patterns;
  if (only === undefined) return null;
  return patterns.length === 1 ? { kind: 'add-allowlist-pattern', pattern: only } : { kind: 'add-allowlist-pattern', patterns };
}

export function attestFix(attestors: readonly string[], images: readonly string[]): Fix | null {
  const [attestor] = attestors;
  const [image] = images;
  if (attestor === undefined || image === undefined) return null;
  return attestors.length === 1 && images.length === 1 ? { kind: 'attest', attestor, image } : { kind: 'attest', attestors, images };
}

export function dockerHubRegistryFix(repository: string): Fix {
  return {
    kind: 'use-registry',
    hint: `mirror docker.io/${repository} through an Artifact Registry remote repository and deploy it fully qualified from there (REGION-docker.pkg.dev/PROJECT/REPOSITORY/${repository}@sha256:...), then exempt or attest that name: how Cloud Run spells Docker Hub images is not documented`,
  };
}

export const PIN_HINT = 'Pin the image by digest (IMAGE@sha256:...), or run live (give a project) so the tag is resolved through the registry';

/** The sentence for a list of alternative fixes, so that the detail always says what the fixes do. */
export function describeFixes(fixes: readonly Fix[]): string {
  return fixes.length === 0 ? '' : `Fix: ${fixes.map(describeFix).join('; or ')}`;
}

function describeFix(fix: Fix): string {
  switch (fix.kind) {
    case 'add-allowlist-pattern':
      return 'pattern' in fix
        ? `exempt it in admissionWhitelistPatterns with \`${fix.pattern}\``
        : `exempt it in admissionWhitelistPatterns under every spelling Cloud Run may use, with all of ${fix.patterns.map((p) => `\`${p}\``).join(', ')}`;
    case 'set-annotation':
      return `set ${fix.key}: ${fix.value} in the workload's own metadata.annotations`;
    case 'remove-annotation':
      return `remove the ${fix.key} annotation`;
    case 'pin-digest':
      return `pin ${fix.image} by digest (IMAGE@sha256:...)`;
    case 'attest': {
      const attestors = 'attestor' in fix ? [fix.attestor] : fix.attestors;
      const images = 'image' in fix ? [fix.image] : fix.images;
      const commands = attestors.flatMap((a) => images.map((i) => `\`binauthz-gate attest --attestor ${a} --kms-key-version KEY_VERSION ${i}\``));
      return `attest the digest, e.g. ${commands.join('; ')}`;
    }
    case 'use-registry':
      return fix.hint;
    case 'set-field':
      return `set ${fix.path}: ${JSON.stringify(fix.value)}`;
  }
}
