// The engine's answers: per container, per workload, per run. Each decision carries only the
// reasons that can go with it, so "allow because always-deny" cannot be written down.
import type { AttestationFailure } from '../attestations/verify-attestor.ts';
import type { Fix } from './fix.ts';

export type ContainerDecision =
  | { readonly decision: 'allow'; readonly reason: 'exempt' | 'always-allow' | 'attested' }
  | { readonly decision: 'deny' | 'dryrun-deny'; readonly reason: 'always-deny' | 'missing-attestation' }
  | {
      readonly decision: 'error';
      readonly reason: 'unresolved-tag' | 'invalid-image' | 'ambiguous-name' | 'named-policy' | 'attestation-unavailable';
    };

export type ContainerResult = ContainerDecision & {
  readonly name: string;
  readonly image: string;
  readonly line: number;
  /** `sha256:…` when the manifest pins it (or live mode resolved it), else null. */
  readonly digest: string | null;
  /** One or two sentences: what decided, and how to fix it. */
  readonly detail: string;
  /** Under REQUIRE_ATTESTATION, what each required attestor said; empty otherwise. */
  readonly attestors: readonly AttestorResult[];
  /** Alternatives, each enough on its own to remove the cause; empty when allowed or when nothing mechanical helps. */
  readonly fixes: readonly Fix[];
};

export type Enforcement = 'enforced' | 'not-enforced' | 'breakglass' | 'named-policy';
export type WorkloadVerdict = 'pass' | 'warn' | 'fail' | 'error';
export type RunVerdict = 'pass' | 'fail' | 'error';

/** What one required attestor said about one image digest. */
export type AttestorResult =
  | { readonly attestor: string; readonly outcome: 'verified'; readonly detail: string }
  | { readonly attestor: string; readonly outcome: 'not-verified'; readonly cause: AttestationFailureCause; readonly detail: string }
  | { readonly attestor: string; readonly outcome: 'undecidable'; readonly detail: string };

/** Why an attestor did not verify: the verifier's causes, or no evidence given at all (offline without files). */
export type AttestationFailureCause = AttestationFailure | 'no-evidence';

/** Answers "did this attestor attest this digest (under one of these names)?"; built before evaluation. */
export type AttestationLookup = (attestor: string, names: readonly string[], digest: string) => AttestorResult;

/** A tag resolved through the registry (live mode), or why it could not be. */
export type TagDigest = { readonly ok: true; readonly digest: string } | { readonly ok: false; readonly problem: string };

/** Answers "which digest does this tag point to now?"; null when tags are not resolved (offline). */
export type TagLookup = (image: { readonly registry: string; readonly repository: string; readonly tag: string }) => TagDigest | null;

/** Everything the engine may look up, gathered before evaluation. */
export interface Evidence {
  readonly attestations: AttestationLookup;
  readonly tags: TagLookup;
}
