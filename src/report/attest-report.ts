// What the attest step did, per image: the report every front end prints (text, JSON, the
// action's outputs). The run fills it; the formatters read it.

/**
 * `created`: this run's occurrence is the one that stands. `existing`: one was there already, nothing created.
 * `deduplicated`: this run created one, found an older valid one made concurrently, and deleted its own.
 */
export type AttestOutcome = 'created' | 'existing' | 'deduplicated';

export interface AttestationRecord {
  readonly image: string;
  readonly digest: string;
  readonly attestor: string;
  /** The occurrence that stands for this image and attestor after the run. */
  readonly occurrence: string;
  readonly outcome: AttestOutcome;
  /** `outcome === 'created'`, kept for readers of the earlier JSON. */
  readonly created: boolean;
  /** The occurrence this run created and deleted again (`deduplicated` only). */
  readonly removed: string | null;
  readonly notes: readonly string[];
}

export type AttestFailureKind = 'bad-input' | 'undecided' | 'not-attested';

export interface AttestReport {
  readonly attestations: readonly AttestationRecord[];
  readonly skipped: readonly { readonly image: string; readonly reason: string }[];
  /**
   * `bad-input`: nothing could be tried (exit 2). `undecided`: the registry could not say whether the digest
   * exists (exit 2). `not-attested`: tried and refused or failed, e.g. a digest its registry does not know (exit 1).
   */
  readonly failures: readonly { readonly image: string | null; readonly kind: AttestFailureKind; readonly message: string }[];
}
