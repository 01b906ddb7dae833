// The enforcer, as a pure function: Cloud Run's Binary Authorization decision for every
// container of a Service or Job, from the project policy's allowlist and default rule.
import { candidateNames, isDockerHub, parseImageReference, type ImageReference } from '../images/reference.ts';
import type { Workload } from '../manifests/workload.ts';
import { BINAUTHZ_ANNOTATION, BREAKGLASS_ANNOTATION } from '../manifests/read-workloads.ts';
import { matchesAllowlistPattern, type AllowlistPattern, type PatternMatch } from './allowlist.ts';
import { allowlistFix, attestFix, describeFixes, dockerHubRegistryFix, PIN_HINT, type Fix } from './fix.ts';
import type { AttestationLookup, AttestorResult, Evidence, ContainerDecision, ContainerResult, Enforcement, WorkloadVerdict } from './decision.ts';
import type { AdmissionRule, Policy } from './policy.ts';
import { listOrNone, NO_INTERNING, NONE } from './compact.ts';

export interface EvaluationOptions {
  /** When false, a workload that does not ask Cloud Run to enforce gets its containers' verdict instead of `fail`. */
  readonly requireEnforcement: boolean;
}

/** A workload as read (kind, name, where, notes, problems) with what the enforcer will do with it. */
export interface WorkloadResult extends Pick<Workload, 'kind' | 'name' | 'file' | 'line' | 'notes' | 'problems' | 'deployed'> {
  readonly enforcement: Enforcement;
  readonly verdict: WorkloadVerdict;
  /** One sentence on what the verdict means for this workload, and when Cloud Run applies it. */
  readonly summary: string;
  readonly containers: readonly ContainerResult[];
  /** Fixes for the workload's own setting (enforcement, breakglass); each container carries its own. */
  readonly fixes: readonly Fix[];
}

type Outcome = ContainerDecision & {
  readonly detail: string;
  readonly attestors?: readonly AttestorResult[];
  readonly digest?: string | null;
  readonly fixes?: readonly Fix[];
};

/** `intern` holds each repeated detail and summary of a run once (see decide). */
export function evaluateWorkload(workload: Workload, policy: Policy, evidence: Evidence, options: EvaluationOptions, intern = NO_INTERNING): WorkloadResult {
  const containers = workload.containers.map((spec): ContainerResult => {
    const image = spec.image ?? '';
    const outcome =
      workload.enforcement.mode === 'named-policy' ? namedPolicyOutcome(workload, workload.enforcement.policy) : evaluateImage(spec.image, policy, evidence);
    const { attestors = NONE, digest = null, fixes = NONE, ...decided } = outcome;
    return {
      attestors: listOrNone(attestors),
      digest,
      fixes: listOrNone(fixes),
      ...decided,
      detail: intern(decided.detail),
      name: spec.name,
      image,
      line: spec.line,
    };
  });
  const decided = decideWorkload(workload, containers, options);
  return {
    kind: workload.kind,
    name: workload.name,
    file: workload.file,
    line: workload.line,
    enforcement: decided.enforcement,
    verdict: decided.verdict,
    summary: intern(summarize(workload, decided.enforcement, decided.verdict, options)),
    containers,
    notes: listOrNone(workload.notes),
    problems: listOrNone([...workload.problems, ...decided.problems]),
    fixes: listOrNone(decided.fixes),
    ...(workload.deployed ? { deployed: workload.deployed } : {}),
  };
}

interface WorkloadDecision {
  readonly enforcement: Enforcement;
  readonly verdict: WorkloadVerdict;
  readonly problems: readonly string[];
  readonly fixes: readonly Fix[];
}

/**
 * Enforcement first: a workload Cloud Run will not check fails whatever its containers are. An empty v1
 * breakglass annotation is open (reference Q4): decided only where "honoured" and "not honoured" agree.
 */
function decideWorkload(workload: Workload, containers: readonly ContainerResult[], options: EvaluationOptions): WorkloadDecision {
  const setting = workload.enforcement;
  const hasProblems = workload.problems.length > 0;
  const ownFixes = workload.invalidEnforcement || setting.mode !== 'default' ? [enforcementFix(workload)] : [];
  if (setting.mode === 'not-enforced') {
    const verdict = options.requireEnforcement ? 'fail' : workloadVerdict('not-enforced', containers, hasProblems);
    return { enforcement: 'not-enforced', verdict, problems: [], fixes: options.requireEnforcement || workload.invalidEnforcement ? ownFixes : [] };
  }
  const base: Enforcement = setting.mode === 'named-policy' ? 'named-policy' : 'enforced';
  if (setting.breakglass === null) return { enforcement: base, verdict: workloadVerdict(base, containers, hasProblems), problems: [], fixes: ownFixes };
  const honoured = workloadVerdict(setting.mode === 'named-policy' ? 'named-policy' : 'breakglass', containers, hasProblems);
  if (setting.breakglass !== '') return { enforcement: base === 'named-policy' ? base : 'breakglass', verdict: honoured, problems: [], fixes: ownFixes };
  const ignored = workloadVerdict(base, containers, hasProblems);
  if (honoured === ignored) return { enforcement: base, verdict: honoured, problems: [], fixes: ownFixes };
  return {
    enforcement: base,
    verdict: 'error',
    problems: [
      `${BREAKGLASS_ANNOTATION} is empty, and whether Cloud Run honours an empty justification is not documented: honoured, the verdict is ${honoured}; ignored, it is ${ignored}. Remove the annotation, or write the justification`,
    ],
    fixes: [...ownFixes, { kind: 'remove-annotation', key: BREAKGLASS_ANNOTATION }],
  };
}

/** The one change that makes Cloud Run enforce the project policy: the v1 annotation, or the v2 field. */
function enforcementFix(workload: Workload): Fix {
  if (workload.api === 'v1') return { kind: 'set-annotation', key: BINAUTHZ_ANNOTATION, value: 'default' };
  const setting = workload.enforcement;
  const breakglass = setting.mode !== 'not-enforced' && setting.breakglass ? { breakglassJustification: setting.breakglass } : {};
  return { kind: 'set-field', path: workload.enforcementPath ?? 'binaryAuthorization', value: { useDefault: true, ...breakglass } };
}

/** Every image a Service or Job deploys is checked; one denied image fails the revision or execution. */
export function evaluateImage(written: string | null, policy: Policy, evidence: Evidence): Outcome {
  if (written === null) {
    return { decision: 'error', reason: 'invalid-image', detail: 'the container has no image: there is nothing to evaluate' };
  }
  const parsed = parseImageReference(written);
  if (!parsed.ok) return { decision: 'error', reason: 'invalid-image', detail: parsed.problem };
  const resolved = withResolvedTag(parsed.image, evidence);
  const outcome = decideImage(resolved.image, policy, evidence.attestations, resolved.problem);
  const detail = resolved.note ? `${outcome.detail}. ${resolved.note}` : outcome.detail;
  return { ...outcome, detail, digest: resolved.image.digest };
}

interface Resolved {
  readonly image: ImageReference;
  /** Why the tag could not be resolved, when live resolution failed. */
  readonly problem: string | null;
  readonly note: string | null;
}

/** Cloud Run deploys the digest a tag points to at deploy time; live mode looks it up now. */
function withResolvedTag(image: ImageReference, evidence: Evidence): Resolved {
  if (image.digest !== null) return { image, problem: null, note: null };
  const tag = image.tag ?? 'latest';
  const answer = evidence.tags({ registry: image.registry, repository: image.repository, tag });
  if (answer === null) return { image, problem: null, note: null };
  if (!answer.ok) return { image, problem: answer.problem, note: null };
  return {
    image: { ...image, digest: answer.digest },
    problem: null,
    note: `Tag ${tag} resolved to ${answer.digest} at check time; a later push can move it before Cloud Run resolves it at deploy time: pin the digest to deploy exactly what was checked`,
  };
}

function decideImage(image: ImageReference, policy: Policy, attestations: AttestationLookup, tagProblem: string | null): Outcome {
  const exemption = exemptionOf(policy.allowlist, image);
  if (exemption.state === 'exempt') {
    const patterns = [...new Set(exemption.patterns)];
    const how = patterns.length === 1 ? `\`${patterns[0]}\`` : `${patterns.map((p) => `\`${p}\``).join(', ')}, under every spelling Cloud Run may use`;
    return { decision: 'allow', reason: 'exempt', detail: `exempt by admissionWhitelistPatterns ${how}` };
  }
  const ruled = withEnforcementMode(applyRule(policy.defaultRule, image, attestations, tagProblem), policy.defaultRule);
  if (exemption.state === 'not-exempt' || ruled.decision === 'allow') return ruled;
  if (exemption.state === 'needs-digest') {
    return {
      decision: 'error',
      reason: 'unresolved-tag',
      detail: `whether \`${exemption.pattern}\` exempts this image depends on the digest that tag ${image.tag ?? 'latest'} points to. ${unresolvedTag(tagProblem)}`,
      fixes: [{ kind: 'pin-digest', image: image.written }],
    };
  }
  const fixes = withRegistryFix(image, [allowlistFix(exemption.unmatched, image.digest)]);
  return {
    decision: 'error',
    reason: 'ambiguous-name',
    detail: `\`${exemption.pattern}\` exempts this Docker Hub image only under the spelling ${exemption.matched}, not under ${exemption.unmatched.join(' or ')}, and how Cloud Run spells Docker Hub images is not documented. ${describeFixes(fixes)}`,
    fixes,
  };
}

/** The sentence that goes with a pin-digest fix: why the digest is unknown, then how to pin it. */
function unresolvedTag(tagProblem: string | null): string {
  return tagProblem ? `the tag could not be resolved: ${tagProblem}. ${PIN_HINT}` : PIN_HINT;
}

/** For Docker Hub, mirroring into Artifact Registry is always an alternative: it removes the spelling question. */
function withRegistryFix(image: ImageReference, fixes: readonly (Fix | null)[]): Fix[] {
  const listed = fixes.filter((fix): fix is Fix => fix !== null);
  return isDockerHub(image) ? [...listed, dockerHubRegistryFix(image.repository)] : listed;
}

type Exemption =
  | { readonly state: 'exempt'; readonly pattern: string; readonly patterns: readonly string[] }
  | { readonly state: 'not-exempt' }
  | { readonly state: 'needs-digest'; readonly pattern: string }
  | { readonly state: 'ambiguous-name'; readonly pattern: string; readonly matched: string; readonly unmatched: readonly string[] };

/**
 * Each spelling Cloud Run may use (one, except for Docker Hub) is exempt when any pattern matches it; the
 * image is exempt when every spelling is, undecidable when that depends on an unknown digest or on the spelling.
 */
export function exemptionOf(allowlist: readonly AllowlistPattern[], image: ImageReference): Exemption {
  const readings = candidateNames(image).map((name) => ({ name, ...spellingExemption(allowlist, name, image.digest) }));
  const matched = readings.filter((r) => r.answer === 'match');
  const unmatched = readings.filter((r) => r.answer === 'no-match');
  const first = matched[0];
  if (first !== undefined && matched.length === readings.length) {
    return { state: 'exempt', pattern: first.pattern ?? '', patterns: matched.map((r) => r.pattern ?? '') };
  }
  if (first !== undefined && unmatched.length > 0) {
    return { state: 'ambiguous-name', pattern: first.pattern ?? '', matched: first.name, unmatched: unmatched.map((r) => r.name) };
  }
  const digestDecides = readings.find((r) => r.answer === 'needs-digest');
  return digestDecides ? { state: 'needs-digest', pattern: digestDecides.pattern ?? '' } : { state: 'not-exempt' };
}

function spellingExemption(allowlist: readonly AllowlistPattern[], name: string, digest: string | null): { answer: PatternMatch; pattern: string | null } {
  let undecided: string | null = null;
  for (const pattern of allowlist) {
    const answer = matchesAllowlistPattern(pattern, name, digest);
    if (answer === 'match') return { answer, pattern: pattern.text };
    if (answer === 'needs-digest') undecided ??= pattern.text;
  }
  return undecided === null ? { answer: 'no-match', pattern: null } : { answer: 'needs-digest', pattern: undecided };
}

function applyRule(rule: AdmissionRule, image: ImageReference, attestations: AttestationLookup, tagProblem: string | null): Outcome {
  switch (rule.evaluationMode) {
    case 'ALWAYS_ALLOW':
      return { decision: 'allow', reason: 'always-allow', detail: 'allowed by the default rule (ALWAYS_ALLOW)' };
    case 'ALWAYS_DENY': {
      const fixes = withRegistryFix(image, [allowlistFix(candidateNames(image), image.digest)]);
      return {
        decision: 'deny',
        reason: 'always-deny',
        detail: `Container image '${enforcerName(image)}' is not authorized by policy. Denied by an ALWAYS_DENY admission rule. ${describeFixes(fixes)}; or change the default rule`,
        fixes,
      };
    }
    case 'REQUIRE_ATTESTATION':
      return requireAttestation(rule.requireAttestationsBy, image, attestations, tagProblem);
  }
}

function requireAttestation(attestors: readonly string[], image: ImageReference, attestations: AttestationLookup, tagProblem: string | null): Outcome {
  if (image.digest === null) {
    return {
      decision: 'error',
      reason: 'unresolved-tag',
      detail: `attestations bind digests, and the digest of tag ${image.tag ?? 'latest'} is not known. ${unresolvedTag(tagProblem)}`,
      fixes: [{ kind: 'pin-digest', image: image.written }],
    };
  }
  const digest = image.digest;
  // Each spelling is one reading of how Cloud Run names the image (Docker Hub: several); decide where all agree.
  const readings = candidateNames(image).map((name) => ({ name, results: attestors.map((attestor) => attestations(attestor, [name], digest)) }));
  const results = readings[0]?.results ?? [];
  const undecidable = readings.flatMap((r) => r.results).filter((r) => r.outcome === 'undecidable');
  if (undecidable.length > 0) {
    return { decision: 'error', reason: 'attestation-unavailable', detail: [...new Set(undecidable.map((r) => r.detail))].join('; '), attestors: results };
  }
  const short = readings.filter((r) => r.results.some((result) => result.outcome !== 'verified'));
  if (short.length === 0) {
    return { decision: 'allow', reason: 'attested', detail: `attested by ${results.map((r) => r.attestor).join(' and ')}`, attestors: results };
  }
  const missing = [...new Set(short.flatMap((r) => r.results.filter((result) => result.outcome !== 'verified').map((result) => result.attestor)))];
  const fixes = [
    attestFix(
      missing,
      short.map((r) => `${r.name}@${digest}`),
    ),
  ].filter((fix): fix is Fix => fix !== null);
  if (short.length < readings.length) {
    return {
      decision: 'error',
      reason: 'ambiguous-name',
      detail: `this Docker Hub image is attested only under some of the spellings Cloud Run may use (not under ${short.map((r) => r.name).join(' or ')}), and how Cloud Run spells Docker Hub images is not documented. ${describeFixes(fixes)}`,
      attestors: results,
      fixes,
    };
  }
  const shown = short[0]?.results ?? results;
  return { decision: 'deny', reason: 'missing-attestation', detail: missingDetail(image, shown, fixes), attestors: shown, fixes };
}

function missingDetail(image: ImageReference, results: readonly AttestorResult[], fixes: readonly Fix[]): string {
  const missing = results.filter((r) => r.outcome !== 'verified');
  const attested = results.filter((r) => r.outcome === 'verified').map((r) => r.attestor);
  return [
    `Container image '${enforcerName(image)}' is not authorized by policy.`,
    ...missing.map((r) => `Denied by attestor ${r.attestor}: ${r.detail.replace(/\.$/, '')}.`),
    attested.length > 0 ? `Attested by ${attested.join(', ')}.` : '',
    describeFixes(fixes),
  ]
    .filter(Boolean)
    .join(' ');
}

function withEnforcementMode(outcome: Outcome, rule: AdmissionRule): Outcome {
  if (outcome.decision !== 'deny' || rule.enforcementMode !== 'DRYRUN_AUDIT_LOG_ONLY') return outcome;
  return {
    ...outcome,
    decision: 'dryrun-deny',
    reason: outcome.reason,
    detail: `would be denied, but the rule is in dry run (DRYRUN_AUDIT_LOG_ONLY): the deploy is allowed and the denial is written to the audit log. ${outcome.detail}`,
  };
}

function namedPolicyOutcome(workload: Workload, policy: string): Outcome {
  const fixes = [enforcementFix(workload)];
  return {
    decision: 'error',
    reason: 'named-policy',
    detail: `the workload names a Cloud Run platform policy${PLATFORM_POLICY_NAME.test(policy) ? ` (${policy})` : ''}, whose schema Google does not publish: binauthz-gate cannot evaluate it. To apply the project policy instead: ${describeFixes(fixes).replace(/^Fix: /, '')}`,
    fixes,
  };
}

const PLATFORM_POLICY_NAME = /^projects\/[a-z0-9-]+\/platforms\/cloudRun\/policies\/[A-Za-z0-9_-]+$/;

/** The enforcer names images as REPO@DIGEST; without a digest, the best we can say is the reference as written. */
function enforcerName(image: ImageReference): string {
  return image.digest ? `${image.writtenName}@${image.digest}` : image.written;
}

function workloadVerdict(enforcement: Enforcement, containers: readonly ContainerResult[], hasProblems: boolean): WorkloadVerdict {
  if (hasProblems || enforcement === 'named-policy' || containers.some((c) => c.decision === 'error')) return 'error';
  const denied = containers.some((c) => c.decision === 'deny');
  const dryRun = containers.some((c) => c.decision === 'dryrun-deny');
  if (enforcement === 'breakglass') return denied || dryRun ? 'warn' : 'pass';
  return denied ? 'fail' : dryRun ? 'warn' : 'pass';
}

/** What Cloud Run does with a denied workload: a manifest is about to be deployed; what is deployed keeps running until its next revision or execution. */
function blockedWording(workload: Workload): string {
  if (workload.deployed) return workload.kind === 'Job' ? 'every execution fails' : 'the next revision deploy is blocked';
  return workload.kind === 'Job' ? 'the Job updates, but every execution fails' : 'the revision fails to deploy';
}

function summarize(workload: Workload, enforcement: Enforcement, verdict: WorkloadVerdict, options: EvaluationOptions): string {
  const blocked = blockedWording(workload);
  if (enforcement === 'not-enforced') {
    const why = workload.enforcement.mode === 'not-enforced' ? workload.enforcement.why : '';
    const fix =
      workload.api === 'v1'
        ? `Fix: add ${BINAUTHZ_ANNOTATION}: default to the ${workload.kind}'s metadata.annotations`
        : describeFixes([enforcementFix(workload)]);
    return options.requireEnforcement
      ? `Cloud Run will not check its images (${why}); an organization requiring Binary Authorization (constraints/run.allowedBinaryAuthorizationPolicies) rejects it. ${fix}`
      : `Cloud Run will not check its images (${why}); verdict shown for when enforcement is on`;
  }
  if (verdict === 'error') return 'could not be decided: see the errors below; the gate fails closed';
  if (enforcement === 'breakglass') {
    return verdict === 'warn'
      ? 'breakglass: deploys although the policy would deny it, and the bypass is written to the audit log'
      : 'breakglass is set (audit-logged), though the policy allows every image';
  }
  if (verdict === 'fail') return `denied: ${blocked}`;
  if (verdict === 'warn') return 'allowed by dry run only: the denial is written to the audit log';
  if (workload.kind === 'Job') return 'every execution is allowed';
  return workload.deployed ? 'the next revision deploy is allowed' : 'the revision deploys';
}
