// What a run is asked to do, as both front ends (CLI, action) build it: one typed model, so the
// two cannot disagree on a default or on what a setting means.
import type { FileScope } from '../files/manifest-files.ts';
import type { GoogleApis } from '../gcp/google-apis.ts';
import type { CloudRunApis } from '../gcp/cloud-run.ts';
import type { ImageReference } from '../images/reference.ts';
import type { SkippedDocument } from '../manifests/workload.ts';
import type { TagDigest } from '../policy/decision.ts';
import type { TagRequest } from '../policy/evidence-requests.ts';
import type { ReportError } from '../report/report.ts';

export type PolicySource =
  | {
      readonly from: 'file';
      readonly path: string;
      /** `--policy-address`: which google_binary_authorization_policy of a Terraform plan. */
      readonly planAddress?: string | null;
      /** The project a Terraform plan's short attestor names belong to when the plan does not say. */
      readonly project?: string | null;
    }
  | { readonly from: 'live'; readonly project: string };

/** A policy file when one is named (with the plan's policy address, if any), else the live policy of the project, else none. */
export function policySourceOf(file: string | null | undefined, project: string | null, planAddress: string | null = null): PolicySource | null {
  if (file) return { from: 'file', path: file, project, planAddress };
  return project ? { from: 'live', project } : null;
}

export type AttestationSource =
  | { readonly from: 'none' }
  | { readonly from: 'files'; readonly attestorsFile: string | null; readonly attestationsFile: string | null }
  | { readonly from: 'live' };

export interface CheckSettings {
  readonly policy: PolicySource;
  readonly attestations: AttestationSource;
  readonly paths: readonly string[];
  /** Where `paths` come from and the folder that confines them and the policy and evidence files. */
  readonly files: FileScope;
  /** A run that finds no Cloud Run workload passes (else it is an error: nothing was checked). */
  readonly allowEmpty: boolean;
  readonly requireEnforcement: boolean;
  readonly maxFileBytes: number;
  /** What a workspace scan before the check could not walk or read (the action's full scans). */
  readonly scanFindings?: { readonly skipped: readonly SkippedDocument[]; readonly problems: readonly ReportError[] };
  /** `--deployed`: also what is deployed now in these regions of the project (`all`: every region). */
  readonly deployed?: { readonly project: string; readonly regions: readonly string[] } | null;
  /** Images built earlier (REPO@sha256:…) that replace the same repository's image in the manifests. */
  readonly builtImages?: readonly ImageReference[];
}

/** The remote services of live mode; null offline. */
export interface LiveServices {
  readonly apis: GoogleApis;
  /** null when tags are not to be resolved (--no-resolve-tags). */
  readonly resolveTag: ((request: TagRequest) => Promise<TagDigest>) | null;
  /** The Cloud Run Admin API (what is deployed now), on the same credentials and runner. */
  readonly cloudRun?: CloudRunApis;
}

/** How named files (policy, attestors, attestations, keys) are read: confined to the working folder. */
export interface NamedFileReading {
  readonly workingFolder: string;
  readonly maxFileBytes: number;
}
