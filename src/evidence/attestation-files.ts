// Offline evidence: attestors and attestations exported with gcloud (--format=json), verified
// before evaluation so that the pure engine only looks answers up.
import { parseAttestors, parseOccurrences, verifyAttestor, type Attestor, type AttestationOccurrence } from '../attestations/index.ts';
import { displayPath, readTextFile } from '../files/manifest-files.ts';
import type { Workload } from '../manifests/workload.ts';
import { attestationRequests, requestKey } from '../policy/attestation-requests.ts';
import type { AttestationLookup, AttestorResult } from '../policy/decision.ts';
import type { Policy } from '../policy/policy.ts';
import type { ReportError } from '../report/report.ts';
import { parseYamlSource } from '../yaml/yaml-source.ts';

export interface EvidenceFiles {
  readonly attestorsFile: string | null;
  readonly attestationsFile: string | null;
  readonly maxFileBytes: number;
}

export interface Evidence {
  readonly lookup: AttestationLookup;
  readonly errors: readonly ReportError[];
}

const NOTHING_GIVEN =
  'no attestation was given to check: pass --attestors and --attestations (gcloud container binauthz attestors describe / attestations list --format=json), or run live with --project';

export async function loadAttestationLookup(files: EvidenceFiles, workloads: readonly Workload[], policy: Policy): Promise<Evidence> {
  const requests = attestationRequests(workloads, policy);
  if (requests.length === 0) return { lookup: unexpected, errors: [] };
  if (files.attestorsFile === null && files.attestationsFile === null) {
    return { lookup: (attestor) => ({ attestor, outcome: 'not-verified', cause: 'no-evidence', detail: NOTHING_GIVEN }), errors: [] };
  }
  const errors: ReportError[] = [];
  const attestors = files.attestorsFile === null ? null : readAttestors(files.attestorsFile, files.maxFileBytes, errors);
  const occurrences = files.attestationsFile === null ? [] : readOccurrences(files.attestationsFile, files.maxFileBytes, errors);
  const answers = new Map<string, AttestorResult>();
  await Promise.all(
    requests.map(async (request) => {
      const attestor = attestors?.find((a) => a.name === request.attestor);
      const result: AttestorResult = attestor
        ? toResult(await verifyAttestor(attestor, occurrences, request))
        : { attestor: request.attestor, outcome: 'undecidable', detail: missingAttestor(request.attestor, files.attestorsFile) };
      answers.set(requestKey(request.attestor, request.names, request.digest), result);
    }),
  );
  const lookup: AttestationLookup = (attestor, names, digest) => answers.get(requestKey(attestor, names, digest)) ?? unexpected(attestor);
  return { lookup, errors };
}

/** The engine asked about a pair attestationRequests() did not list: a bug, and never a pass. */
function unexpected(attestor: string): AttestorResult {
  return { attestor, outcome: 'undecidable', detail: 'internal error: attestation evidence was not gathered for this image' };
}

function missingAttestor(name: string, file: string | null): string {
  return file === null
    ? `the public keys of ${name} are unknown: pass --attestors (gcloud container binauthz attestors describe ${name} --format=json)`
    : `${name} is not in ${displayPath(file)}: add it (gcloud container binauthz attestors describe ${name} --format=json)`;
}

function toResult(check: Awaited<ReturnType<typeof verifyAttestor>>): AttestorResult {
  if (check.outcome === 'verified') {
    const notes = check.notes.length > 0 ? ` (${check.notes.join('; ')})` : '';
    return { attestor: check.attestor, outcome: 'verified', detail: `occurrence ${check.occurrence}, key ${check.keyId}${notes}` };
  }
  return { attestor: check.attestor, outcome: 'not-verified', cause: check.cause, detail: check.detail };
}

/** Reads a JSON (or YAML) data file as gcloud --format=json writes it; problems go to `errors`. */
function readDataFile(path: string, maxBytes: number, errors: ReportError[]): unknown {
  const file = displayPath(path);
  const read = readTextFile(path, maxBytes);
  if (!read.ok) {
    errors.push({ file, line: null, message: read.problem });
    return undefined;
  }
  const source = parseYamlSource(read.text);
  if (!source.ok) {
    errors.push(...source.problems.map((p) => ({ file, line: p.line, message: p.message })));
    return undefined;
  }
  return source.documents.length === 1 ? source.documents[0]?.value : source.documents.map((d) => d.value);
}

function readAttestors(path: string, maxBytes: number, errors: ReportError[]): Attestor[] | null {
  const value = readDataFile(path, maxBytes, errors);
  if (value === undefined) return null;
  const parsed = parseAttestors(value);
  errors.push(...parsed.problems.map((message) => ({ file: displayPath(path), line: null, message })));
  return parsed.attestors;
}

function readOccurrences(path: string, maxBytes: number, errors: ReportError[]): AttestationOccurrence[] {
  const value = readDataFile(path, maxBytes, errors);
  if (value === undefined) return [];
  const parsed = parseOccurrences(value);
  errors.push(...parsed.problems.map((message) => ({ file: displayPath(path), line: null, message })));
  return parsed.occurrences;
}
