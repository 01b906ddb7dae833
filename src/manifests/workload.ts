// What a manifest says, reduced to what Binary Authorization on Cloud Run looks at.

export type WorkloadKind = 'Service' | 'Job';

/**
 * How the workload asks Cloud Run to enforce Binary Authorization (v1 annotation or v2 field).
 * `breakglass` is the justification; `''` is a v1 annotation present but empty, which Cloud Run may or may
 * not honour (reference Q4), so the engine decides it only where both readings agree.
 */
export type EnforcementSetting =
  | { readonly mode: 'not-enforced'; readonly why: string }
  | { readonly mode: 'default'; readonly breakglass: string | null }
  | { readonly mode: 'named-policy'; readonly policy: string; readonly breakglass: string | null };

export interface ContainerSpec {
  /** `name` as written, or `#N` (1-based position) when the container has none. */
  readonly name: string;
  /** The image as written, or null when the container has none (or a non-string one). */
  readonly image: string | null;
  readonly line: number;
}

export interface Workload {
  readonly kind: WorkloadKind;
  readonly api: 'v1' | 'v2';
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly enforcement: EnforcementSetting;
  readonly containers: readonly ContainerSpec[];
  /** Things the user should know that do not change the verdict (misplaced annotations, empty breakglass). */
  readonly notes: readonly string[];
  /** Things that make the workload impossible to decide (no containers, contradictory settings). */
  readonly problems: readonly string[];
  /** True when some of `problems` are about the enforcement setting itself, so that rewriting it is the fix. */
  readonly invalidEnforcement?: boolean;
  /** Where a v2 workload's binaryAuthorization sits when not at the top (Config Connector: `spec.binaryAuthorization`). */
  readonly enforcementPath?: string;
  /** Set for what is deployed now (read from the Cloud Run Admin API), absent for a manifest. */
  readonly deployed?: DeployedOrigin;
}

/** Where a deployed workload runs; its `file` is then its resource name, not a file. */
export interface DeployedOrigin {
  readonly project: string;
  readonly region: string;
  /** The full resource name, `projects/P/locations/R/services/S`. */
  readonly resource: string;
  /** Services: the revision serving traffic (latestReadyRevision); jobs: the latest execution. */
  readonly current: string | null;
  /** The service or job carries a breakglass justification: what runs may have bypassed the policy. */
  readonly breakglass: boolean;
}

/** A document that is not a Cloud Run Service or Job: listed, never silently passed. */
export interface SkippedDocument {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly why: string;
}

export interface FileProblem {
  readonly file: string;
  readonly line: number | null;
  readonly message: string;
}

export interface ManifestSet {
  readonly workloads: readonly Workload[];
  readonly skipped: readonly SkippedDocument[];
  readonly problems: readonly FileProblem[];
}
