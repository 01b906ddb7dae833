// The part of a Binary Authorization project policy that Cloud Run enforces, after validation.
import type { AllowlistPattern } from './allowlist.ts';

export type EnforcementMode = 'ENFORCED_BLOCK_AND_AUDIT_LOG' | 'DRYRUN_AUDIT_LOG_ONLY';

/** An admission rule whose shape is valid by construction: attestors only with REQUIRE_ATTESTATION, and then at least one. */
export type AdmissionRule =
  | { readonly evaluationMode: 'ALWAYS_ALLOW' | 'ALWAYS_DENY'; readonly enforcementMode: EnforcementMode }
  | {
      readonly evaluationMode: 'REQUIRE_ATTESTATION';
      readonly enforcementMode: EnforcementMode;
      readonly requireAttestationsBy: readonly [string, ...string[]];
    };

export interface PolicyNote {
  /** The policy field the note is about, e.g. `clusterAdmissionRules`. */
  readonly field: string;
  readonly line: number | null;
  readonly message: string;
}

export interface Policy {
  /** Where it came from: `file:PATH` or `projects/P/policy`. */
  readonly source: string;
  readonly name: string | null;
  readonly etag: string | null;
  readonly defaultRule: AdmissionRule;
  readonly allowlist: readonly AllowlistPattern[];
  /** `globalPolicyEvaluationMode` as written (null when unset); Cloud Run never uses the system policy. */
  readonly globalEvaluationMode: string | null;
  /** True when this is Google's default policy standing in for a deleted one (a Terraform plan's delete). */
  readonly googleDefault: boolean;
  /** Rules and settings Cloud Run ignores, and patterns that can never match: reported, never applied. */
  readonly notes: readonly PolicyNote[];
}

export interface PolicyError {
  readonly field: string;
  readonly line: number | null;
  readonly message: string;
}

export type ParsedPolicy = { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly errors: readonly PolicyError[] };
