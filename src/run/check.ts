// The check, wired: read the policy (file or live) and manifests, resolve the tags whose digest
// decides a verdict, gather attestation evidence (files or live), evaluate every workload and
// build the report. Front ends (CLI, action) parse their inputs into CheckSettings.
import { findManifestFiles, displayPath, type FileScope } from '../files/manifest-files.ts';
import { rootOfNamedFile } from '../files/path-guard.ts';
import { readTextFile } from '../files/safe-read.ts';
import { readWorkloads } from '../manifests/read-workloads.ts';
import { substituteImages } from '../manifests/substitute-images.ts';
import type { ImageReference } from '../images/reference.ts';
import type { SkippedDocument, Workload } from '../manifests/workload.ts';
import { parsePolicyText } from '../policy/parse-policy.ts';
import { evaluateWorkload } from '../policy/evaluate.ts';
import type { AttestationLookup, TagDigest, TagLookup } from '../policy/decision.ts';
import { attestationRequests, evaluatedImages, tagKey, tagRequests, type TagRequest } from '../policy/evidence-requests.ts';
import type { ParsedPolicy, Policy } from '../policy/policy.ts';
import { buildReport, summarizePolicy, type PolicySummary, type Report, type ReportError } from '../report/report.ts';
import { noAttestations, verifyFromFiles } from './evidence/attestation-files.ts';
import { verifyLive } from './evidence/live-attestations.ts';
import type { GoogleApis } from '../gcp/google-apis.ts';
import { resolve } from 'node:path';
import { messageOf } from '../errors.ts';

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
  /** Where `paths` come from and the folder that confines them and the policy and evidence files. */
  readonly files: FileScope;
  /** A run that finds no Cloud Run workload passes (else it is an error: nothing was checked). */
  readonly allowEmpty: boolean;
  readonly requireEnforcement: boolean;
  readonly maxFileBytes: number;
  /** What a workspace scan before the check could not walk or read (the action's full scans). */
  readonly scanFindings?: { readonly skipped: readonly SkippedDocument[]; readonly problems: readonly ReportError[] };
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
  const read = await readManifests(settings.paths, settings.files, settings.maxFileBytes);
  const scanned = settings.scanFindings ?? { skipped: [], problems: [] };
  const manifests = {
    skipped: [...scanned.skipped, ...read.skipped],
    errors: [...scanned.problems, ...read.errors],
    workloads: substituteImages(read.workloads, settings.builtImages ?? []),
  };
  const nothing = manifests.workloads.length === 0 && !settings.allowEmpty ? [NOTHING_TO_CHECK] : [];
  const loaded = await loadPolicy(settings.policy, { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes }, live);
  if (!loaded.ok) {
    const unevaluated = { file: null, line: null, message: `the policy cannot be used: none of the Cloud Run workloads found was evaluated: ${manifests.workloads.length} found` };
    return buildReport(loaded.summary, [], manifests.skipped, [...loaded.errors, unevaluated, ...manifests.errors, ...nothing]);
  }
  const policy = loaded.policy;
  const images = evaluatedImages(manifests.workloads);
  const tags = await resolveTags(tagRequests(images, policy), live);
  const evidence = await gatherEvidence(settings, images, policy, tags, live);
  const errors = [...manifests.errors, ...evidence.errors, ...nothing];
  const results = manifests.workloads.map((workload) =>
    evaluateWorkload(workload, policy, { attestations: evidence.lookup, tags }, { requireEnforcement: settings.requireEnforcement }),
  );
  for (const result of results) {
    for (const problem of result.problems) errors.push({ file: result.file, line: result.line, message: `${result.kind} ${result.name}: ${problem}` });
  }
  return buildReport(summarizePolicy(policy), results, manifests.skipped, errors);
}

const NOTHING_TO_CHECK: ReportError = {
  file: null,
  line: null,
  message: 'nothing to check: no Cloud Run Service or Job was found in the paths given (pass --allow-empty if that is expected)',
};

/** How named files (policy, attestors, attestations, keys) are read: confined to the working folder. */
export interface NamedFileReading {
  readonly workingFolder: string;
  readonly maxFileBytes: number;
}

export type LoadedPolicy = { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly summary: PolicySummary; readonly errors: ReportError[] };

export async function loadPolicy(source: PolicySource, reading: NamedFileReading, live: LiveServices | null): Promise<LoadedPolicy> {
  if (source.from === 'file') {
    const file = displayPath(source.path);
    const read = await readNamedFile(source.path, reading);
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
    return policyFailure(name, null, messageOf(error));
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
  if (source.from === 'files') return verifyFromFiles({ ...source, workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes }, requests);
  if (!live) return { lookup: noAttestations, errors: [{ file: null, line: null, message: 'live attestations requested, but live mode is not available' }] };
  return { lookup: await verifyLive(live.apis, requests), errors: [] };
}

export interface Manifests {
  readonly workloads: readonly Workload[];
  readonly skipped: readonly SkippedDocument[];
  readonly errors: readonly ReportError[];
}

/** A file the operator named, read with the rules of every file (regular, bounded, confined). */
export function readNamedFile(path: string, reading: NamedFileReading): ReturnType<typeof readTextFile> {
  const absolute = resolve(reading.workingFolder, path);
  return readTextFile(absolute, { root: rootOfNamedFile(absolute, reading.workingFolder), maxBytes: reading.maxFileBytes });
}

export async function readManifests(paths: readonly string[], scope: FileScope, maxFileBytes: number): Promise<Manifests> {
  const found = await findManifestFiles(paths, scope);
  const workloads: Workload[] = [];
  const skipped: SkippedDocument[] = [...found.skipped];
  const errors: ReportError[] = [...found.problems];
  for (const { path, root } of found.files) {
    const file = displayPath(path);
    const read = await readTextFile(path, { root, maxBytes: maxFileBytes });
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
