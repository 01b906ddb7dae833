// The enforcer, as a pure function: Cloud Run's Binary Authorization decision for every
// container of a Service or Job, from the project policy's allowlist and default rule.
import { candidateNames, parseImageReference, type ImageReference } from '../images/reference.ts';
import type { Workload } from '../manifests/workload.ts';
import { matchesAllowlistPattern, type AllowlistPattern } from './allowlist.ts';
import type {
  AttestationLookup,
  AttestorResult,
  Evidence,
  ContainerDecision,
  ContainerResult,
  Enforcement,
  WorkloadVerdict,
} from './decision.ts';
import type { AdmissionRule, Policy } from './policy.ts';

export interface EvaluationOptions {
  /** When false, a workload that does not ask Cloud Run to enforce gets its containers' verdict instead of `fail`. */
  readonly requireEnforcement: boolean;
}

/** A workload as read (kind, name, where, notes, problems) with what the enforcer will do with it. */
export interface WorkloadResult extends Pick<Workload, 'kind' | 'name' | 'file' | 'line' | 'notes' | 'problems'> {
  readonly enforcement: Enforcement;
  readonly verdict: WorkloadVerdict;
  /** One sentence on what the verdict means for this workload, and when Cloud Run applies it. */
  readonly summary: string;
  readonly containers: readonly ContainerResult[];
}

type Outcome = ContainerDecision & {
  readonly detail: string;
  readonly attestors?: readonly AttestorResult[];
  readonly digest?: string | null;
};

export function evaluateWorkload(
  workload: Workload,
  policy: Policy,
  evidence: Evidence,
  options: EvaluationOptions,
): WorkloadResult {
  const enforcement = enforcementOf(workload);
  const containers = workload.containers.map((spec) => {
    const image = spec.image ?? '';
    const outcome =
      workload.enforcement.mode === 'named-policy'
        ? namedPolicyOutcome(workload.enforcement.policy)
        : evaluateImage(spec.image, policy, evidence);
    return { attestors: [], digest: null, ...outcome, name: spec.name, image, line: spec.line };
  });
  const verdict = workloadVerdict(enforcement, containers, workload.problems.length > 0, options);
  return {
    kind: workload.kind,
    name: workload.name,
    file: workload.file,
    line: workload.line,
    enforcement,
    verdict,
    summary: summarize(workload, enforcement, verdict, options),
    containers,
    notes: workload.notes,
    problems: workload.problems,
  };
}

function enforcementOf(workload: Workload): Enforcement {
  const setting = workload.enforcement;
  if (setting.mode === 'not-enforced') return 'not-enforced';
  if (setting.mode === 'named-policy') return 'named-policy';
  return setting.breakglass !== null ? 'breakglass' : 'enforced';
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
    return { decision: 'allow', reason: 'exempt', detail: `exempt by admissionWhitelistPatterns \`${exemption.pattern}\`` };
  }
  const unresolved = tagProblem ? `the tag could not be resolved: ${tagProblem}` : PIN_FIX;
  const ruled = withEnforcementMode(applyRule(policy.defaultRule, image, attestations, unresolved), policy.defaultRule);
  if (exemption.state === 'not-exempt' || ruled.decision === 'allow') return ruled;
  return exemption.state === 'needs-digest'
    ? {
        decision: 'error',
        reason: 'unresolved-tag',
        detail: `whether \`${exemption.pattern}\` exempts this image depends on the digest that tag ${image.tag ?? 'latest'} points to. ${unresolved}`,
      }
    : {
        decision: 'error',
        reason: 'ambiguous-name',
        detail: `\`${exemption.pattern}\` exempts this Docker Hub image only under the spelling ${exemption.name}, and how Cloud Run spells Docker Hub images is not documented. Write the image and the pattern fully qualified (docker.io/library/NAME@sha256:...), or mirror it into Artifact Registry`,
      };
}

const PIN_FIX = 'Pin the image by digest (IMAGE@sha256:...), or run live (--project) so the tag is resolved through the registry';

type Exemption =
  | { readonly state: 'exempt'; readonly pattern: string }
  | { readonly state: 'not-exempt' }
  | { readonly state: 'needs-digest'; readonly pattern: string }
  | { readonly state: 'ambiguous-name'; readonly pattern: string; readonly name: string };

/** An image is exempt when any pattern matches it; undecidable when that depends on an unknown digest or spelling. */
export function exemptionOf(allowlist: readonly AllowlistPattern[], image: ImageReference): Exemption {
  const names = candidateNames(image);
  let undecided: Exemption = { state: 'not-exempt' };
  for (const pattern of allowlist) {
    const answers = names.map((name) => matchesAllowlistPattern(pattern, name, image.digest));
    if (answers.every((answer) => answer === 'match')) return { state: 'exempt', pattern: pattern.text };
    if (undecided.state !== 'not-exempt') continue;
    if (answers.includes('needs-digest')) undecided = { state: 'needs-digest', pattern: pattern.text };
    else if (answers.includes('match')) {
      undecided = { state: 'ambiguous-name', pattern: pattern.text, name: names[answers.indexOf('match')] ?? image.writtenName };
    }
  }
  return undecided;
}

function applyRule(rule: AdmissionRule, image: ImageReference, attestations: AttestationLookup, unresolved: string): Outcome {
  switch (rule.evaluationMode) {
    case 'ALWAYS_ALLOW':
      return { decision: 'allow', reason: 'always-allow', detail: 'allowed by the default rule (ALWAYS_ALLOW)' };
    case 'ALWAYS_DENY':
      return {
        decision: 'deny',
        reason: 'always-deny',
        detail: `Container image '${enforcerName(image)}' is not authorized by policy. Denied by an ALWAYS_DENY admission rule. Fix: exempt it in admissionWhitelistPatterns (for example \`${image.writtenName}@*\`) or change the default rule`,
      };
    case 'REQUIRE_ATTESTATION':
      return requireAttestation(rule.requireAttestationsBy, image, attestations, unresolved);
  }
}

function requireAttestation(attestors: readonly string[], image: ImageReference, attestations: AttestationLookup, unresolved: string): Outcome {
  if (image.digest === null) {
    return {
      decision: 'error',
      reason: 'unresolved-tag',
      detail: `attestations bind digests, and the digest of tag ${image.tag ?? 'latest'} is not known. ${unresolved}`,
    };
  }
  const results = attestors.map((attestor) => attestations(attestor, candidateNames(image), image.digest as string));
  const undecidable = results.filter((r) => r.outcome === 'undecidable');
  if (undecidable.length > 0) {
    return { decision: 'error', reason: 'attestation-unavailable', detail: undecidable.map((r) => r.detail).join('; '), attestors: results };
  }
  const missing = results.filter((r) => r.outcome === 'not-verified');
  if (missing.length === 0) {
    return { decision: 'allow', reason: 'attested', detail: `attested by ${results.map((r) => r.attestor).join(' and ')}`, attestors: results };
  }
  return { decision: 'deny', reason: 'missing-attestation', detail: missingDetail(image, results, missing), attestors: results };
}

function missingDetail(image: ImageReference, results: readonly AttestorResult[], missing: readonly AttestorResult[]): string {
  const name = enforcerName(image);
  const attested = results.filter((r) => r.outcome === 'verified').map((r) => r.attestor);
  return [
    `Container image '${name}' is not authorized by policy.`,
    ...missing.map((r) => `Denied by attestor ${r.attestor}: ${r.detail.replace(/\.$/, '')}.`),
    attested.length > 0 ? `Attested by ${attested.join(', ')}.` : '',
    `Fix: attest the digest, e.g. ${missing.map((r) => attestCommand(name, r.attestor)).join('; ')}`,
  ]
    .filter(Boolean)
    .join(' ');
}

function attestCommand(image: string, attestor: string): string {
  return `\`binauthz-gate attest --attestor ${attestor} --kms-key-version KEY_VERSION ${image}\``;
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

function namedPolicyOutcome(policy: string): Outcome {
  return {
    decision: 'error',
    reason: 'named-policy',
    detail: `the workload names the Cloud Run platform policy ${policy}, whose schema Google does not publish: binauthz-gate cannot evaluate it (use "default" to apply the project policy)`,
  };
}

/** The enforcer names images as REPO@DIGEST; without a digest, the best we can say is the reference as written. */
function enforcerName(image: ImageReference): string {
  return image.digest ? `${image.writtenName}@${image.digest}` : image.written;
}


function workloadVerdict(
  enforcement: Enforcement,
  containers: readonly ContainerResult[],
  hasProblems: boolean,
  options: EvaluationOptions,
): WorkloadVerdict {
  if (hasProblems || enforcement === 'named-policy' || containers.some((c) => c.decision === 'error')) return 'error';
  if (enforcement === 'not-enforced' && options.requireEnforcement) return 'fail';
  const denied = containers.some((c) => c.decision === 'deny');
  const dryRun = containers.some((c) => c.decision === 'dryrun-deny');
  if (enforcement === 'breakglass') return denied || dryRun ? 'warn' : 'pass';
  return denied ? 'fail' : dryRun ? 'warn' : 'pass';
}

function summarize(workload: Workload, enforcement: Enforcement, verdict: WorkloadVerdict, options: EvaluationOptions): string {
  const blocked = workload.kind === 'Job' ? 'the Job updates, but every execution fails' : 'the revision fails to deploy';
  if (verdict === 'error') return 'could not be decided: see the errors below; the gate fails closed';
  if (enforcement === 'not-enforced') {
    const why = workload.enforcement.mode === 'not-enforced' ? workload.enforcement.why : '';
    return options.requireEnforcement
      ? `Cloud Run will not check its images (${why}); an organization requiring Binary Authorization (constraints/run.allowedBinaryAuthorizationPolicies) rejects it. Fix: add run.googleapis.com/binary-authorization: default to the ${workload.kind}'s metadata.annotations`
      : `Cloud Run will not check its images (${why}); verdict shown for when enforcement is on`;
  }
  if (enforcement === 'breakglass') {
    return verdict === 'warn'
      ? 'breakglass: deploys although the policy would deny it, and the bypass is written to the audit log'
      : 'breakglass is set (audit-logged), though the policy allows every image';
  }
  if (verdict === 'fail') return `denied: ${blocked}`;
  if (verdict === 'warn') return 'allowed by dry run only: the denial is written to the audit log';
  return workload.kind === 'Job' ? 'every execution is allowed' : 'the revision deploys';
}
