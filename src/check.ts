// The check, wired: read the policy (file or live) and manifests, resolve the tags whose digest
// decides a verdict, gather attestation evidence (files or live), evaluate every workload and
// build the report. Front ends (CLI, action) parse their inputs into CheckSettings.
import { findManifestFiles, readTextFile, displayPath } from './files/manifest-files.ts';
import { readWorkloads } from './manifests/read-workloads.ts';
import { substituteImages } from './manifests/substitute-images.ts';
import type { ImageReference } from './images/reference.ts';
import type { SkippedDocument, Workload } from './manifests/workload.ts';
import { parsePolicyText } from './policy/parse-policy.ts';
import { evaluateWorkload } from './policy/evaluate.ts';
import type { AttestationLookup, TagDigest, TagLookup } from './policy/decision.ts';
import { attestationRequests, evaluatedImages, tagKey, tagRequests, type TagRequest } from './policy/evidence-requests.ts';
import type { ParsedPolicy, Policy } from './policy/policy.ts';
import { buildReport, summarizePolicy, type PolicySummary, type Report, type ReportError } from './report/report.ts';
import { noAttestations, verifyFromFiles } from './evidence/attestation-files.ts';
import { verifyLive } from './evidence/live-attestations.ts';
import type { GoogleApis } from './gcp/google-apis.ts';

export type PolicySource = { readonly from: 'file'; readonly path: string } | { readonly from: 'live'; readonly project: string };

/** A policy file when one is named, else the live policy of the project, else none. */
export function policySourceOf(file: string | null | undefined, project: string | null): PolicySource | null {
  if (file) return { from: 'file', path: file };
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
  readonly requireEnforcement: boolean;
  readonly maxFileBytes: number;
  /** Images built earlier (REPO@sha256:…) that replace the same repository's image in the manifests. */
  readonly builtImages?: readonly ImageReference[];
}

/** The remote services of live mode; null offline. */
export interface LiveServices {
  readonly apis: GoogleApis;
  /** null when tags are not to be resolved (--no-resolve-tags). */
  readonly resolveTag: ((request: TagRequest) => Promise<TagDigest>) | null;
}

export async function runCheck(settings: CheckSettings, live: LiveServices | null): Promise<Report> {
  const read = readManifests(settings.paths, settings.maxFileBytes);
  const manifests = { ...read, workloads: substituteImages(read.workloads, settings.builtImages ?? []) };
  const loaded = await loadPolicy(settings.policy, settings.maxFileBytes, live);
  if (!loaded.ok) return buildReport(loaded.summary, [], manifests.skipped, [...loaded.errors, ...manifests.errors]);
  const policy = loaded.policy;
  const images = evaluatedImages(manifests.workloads);
  const tags = await resolveTags(tagRequests(images, policy), live);
  const evidence = await gatherEvidence(settings, images, policy, tags, live);
  const errors = [...manifests.errors, ...evidence.errors];
  const results = manifests.workloads.map((workload) =>
    evaluateWorkload(workload, policy, { attestations: evidence.lookup, tags }, { requireEnforcement: settings.requireEnforcement }),
  );
  for (const result of results) {
    for (const problem of result.problems) errors.push({ file: result.file, line: result.line, message: `${result.kind} ${result.name}: ${problem}` });
  }
  return buildReport(summarizePolicy(policy), results, manifests.skipped, errors);
}

export type LoadedPolicy = { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly summary: PolicySummary; readonly errors: ReportError[] };

export async function loadPolicy(source: PolicySource, maxFileBytes: number, live: LiveServices | null): Promise<LoadedPolicy> {
  if (source.from === 'file') {
    const file = displayPath(source.path);
    const read = readTextFile(source.path, maxFileBytes);
    const parsed: ParsedPolicy = read.ok
      ? parsePolicyText(`file:${file}`, read.text)
      : { ok: false, errors: [{ field: '(file)', line: null, message: read.problem }] };
    return fromParsed(parsed, `file:${file}`, file);
  }
  const name = `projects/${source.project}/policy`;
  if (!live) return policyFailure(name, null, 'live mode is not available in this run');
  try {
    const json = await live.apis.getPolicy(source.project);
    return fromParsed(parsePolicyText(name, `${JSON.stringify(json, null, 2)}\n`), name, null);
  } catch (error) {
    return policyFailure(name, null, error instanceof Error ? error.message : String(error));
  }
}

function fromParsed(parsed: ParsedPolicy, source: string, file: string | null): LoadedPolicy {
  if (parsed.ok) return parsed;
  return {
    ok: false,
    summary: { source, etag: null, name: null, defaultRule: null, notes: [] },
    errors: parsed.errors.map((e) => ({ file, line: file === null ? null : e.line, message: `policy: ${e.message}` })),
  };
}

function policyFailure(source: string, file: string | null, message: string): LoadedPolicy {
  return { ok: false, summary: { source, etag: null, name: null, defaultRule: null, notes: [] }, errors: [{ file, line: null, message: `policy: ${message}` }] };
}

/** Resolves each needed tag once, concurrently (the live services bound the concurrency). */
async function resolveTags(requests: readonly TagRequest[], live: LiveServices | null): Promise<TagLookup> {
  const resolve = live?.resolveTag;
  if (!resolve) return () => null;
  const answers = new Map<string, TagDigest>();
  await Promise.all(requests.map(async (request) => answers.set(tagKey(request), await resolve(request))));
  return (image) => answers.get(tagKey(image)) ?? null;
}

async function gatherEvidence(
  settings: CheckSettings,
  images: readonly ImageReference[],
  policy: Policy,
  tags: TagLookup,
  live: LiveServices | null,
): Promise<{ readonly lookup: AttestationLookup; readonly errors: readonly ReportError[] }> {
  const source = settings.attestations;
  if (source.from === 'none') return { lookup: noAttestations, errors: [] };
  const requests = attestationRequests(images, policy, tags);
  if (source.from === 'files') return verifyFromFiles({ ...source, maxFileBytes: settings.maxFileBytes }, requests);
  if (!live) return { lookup: noAttestations, errors: [{ file: null, line: null, message: 'live attestations requested, but live mode is not available' }] };
  return { lookup: await verifyLive(live.apis, requests), errors: [] };
}

export interface Manifests {
  readonly workloads: readonly Workload[];
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

export function readManifests(paths: readonly string[], maxFileBytes: number): Manifests {
  const found = findManifestFiles(paths);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = [];
  const errors: ReportError[] = [...found.problems];
  for (const path of found.files) {
    const file = displayPath(path);
    const read = readTextFile(path, maxFileBytes);
    if (!read.ok) {
      errors.push({ file, line: null, message: read.problem });
      continue;
    }
    const set = readWorkloads(file, read.text);
    workloads.push(...set.workloads);
    skipped.push(...set.skipped);
    errors.push(...set.problems);
  }
  return { workloads, skipped, errors };
}
