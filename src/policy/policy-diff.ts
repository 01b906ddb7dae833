// What changes between two project policies, field by field, and what each change does to
// Cloud Run: `weakens` (something is admitted that was not, or denials stop blocking),
// `tightens` (the reverse) or `neutral` (Cloud Run does not read the field). Pure.
import type { AdmissionRule, Policy } from './policy.ts';

export type PolicyEffect = 'weakens' | 'tightens' | 'neutral';

export interface PolicyChange {
  /** The REST field, e.g. `defaultAdmissionRule.requireAttestationsBy`. */
  readonly field: string;
  /** The value before and after (null: absent); lists are compared item by item, so one item each. */
  readonly before: string | null;
  readonly after: string | null;
  readonly effect: PolicyEffect;
  /** One sentence: what the change means on Cloud Run. */
  readonly why: string;
}

/** Stricter first: what each evaluation mode admits. */
const EVALUATION_STRICTNESS = { ALWAYS_DENY: 2, REQUIRE_ATTESTATION: 1, ALWAYS_ALLOW: 0 } as const;

export function diffPolicies(before: Policy, after: Policy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  if (after.googleDefault && !before.googleDefault) {
    changes.push({
      field: '(policy)',
      before: before.name ?? 'the project policy',
      after: "Google's default policy",
      effect: 'weakens',
      why: 'the policy is deleted: the project falls back to ALWAYS_ALLOW, and every image is admitted',
    });
  }
  changes.push(...ruleChanges(before.defaultRule, after.defaultRule));
  // Under ALWAYS_ALLOW every image is admitted anyway: an exemption then changes nothing.
  const allowsAll = after.defaultRule.evaluationMode === 'ALWAYS_ALLOW';
  const moot: Side = { effect: 'neutral', why: 'the default rule is ALWAYS_ALLOW: every image is admitted, exempt or not' };
  changes.push(
    ...setChanges(
      'admissionWhitelistPatterns',
      before.allowlist.map((p) => p.text),
      after.allowlist.map((p) => p.text),
      {
        added: allowsAll ? moot : { effect: 'weakens', why: 'a new exempt pattern: images it matches are admitted without any other check' },
        removed: allowsAll ? moot : { effect: 'tightens', why: 'an exempt pattern removed: images it matched now go through the default rule' },
      },
    ),
  );
  if (before.globalEvaluationMode !== after.globalEvaluationMode) {
    changes.push({
      field: 'globalPolicyEvaluationMode',
      before: before.globalEvaluationMode,
      after: after.globalEvaluationMode,
      effect: 'neutral',
      why: 'the Google-maintained system policy is documented for GKE only: it does not change a Cloud Run verdict',
    });
  }
  return changes;
}

function ruleChanges(before: AdmissionRule, after: AdmissionRule): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const field = 'defaultAdmissionRule';
  if (before.evaluationMode !== after.evaluationMode) {
    const looser = EVALUATION_STRICTNESS[after.evaluationMode] < EVALUATION_STRICTNESS[before.evaluationMode];
    changes.push({
      field: `${field}.evaluationMode`,
      before: before.evaluationMode,
      after: after.evaluationMode,
      effect: looser ? 'weakens' : 'tightens',
      why: looser
        ? `${after.evaluationMode} admits images ${before.evaluationMode} denied`
        : `${after.evaluationMode} denies images ${before.evaluationMode} admitted`,
    });
  }
  if (before.enforcementMode !== after.enforcementMode) {
    const dryRun = after.enforcementMode === 'DRYRUN_AUDIT_LOG_ONLY';
    changes.push({
      field: `${field}.enforcementMode`,
      before: before.enforcementMode,
      after: after.enforcementMode,
      effect: dryRun ? 'weakens' : 'tightens',
      why: dryRun ? 'dry run: denials are only logged, and every image is deployed' : 'denials block deploys and executions again',
    });
  }
  // The attestors only count while the rule requires attestations; a change of mode says the rest.
  if (before.evaluationMode === 'REQUIRE_ATTESTATION' && after.evaluationMode === 'REQUIRE_ATTESTATION') {
    changes.push(
      ...setChanges(`${field}.requireAttestationsBy`, before.requireAttestationsBy, after.requireAttestationsBy, {
        added: { effect: 'tightens', why: 'every image now also needs an attestation by this attestor' },
        removed: { effect: 'weakens', why: 'images no longer need an attestation by this attestor' },
      }),
    );
  }
  return changes;
}

type Side = { readonly effect: PolicyEffect; readonly why: string };

function setChanges(field: string, before: readonly string[], after: readonly string[], sides: { added: Side; removed: Side }): PolicyChange[] {
  const had = new Set(before);
  const has = new Set(after);
  const removed = [...had].filter((item) => !has.has(item)).sort();
  const added = [...has].filter((item) => !had.has(item)).sort();
  return [
    ...removed.map((item) => ({ field, before: item, after: null, ...sides.removed })),
    ...added.map((item) => ({ field, before: null, after: item, ...sides.added })),
  ];
}
