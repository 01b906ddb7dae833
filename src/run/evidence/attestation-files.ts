// Offline evidence: attestors and attestations exported with gcloud (--format=json), verified
// before evaluation so that the pure engine only looks answers up.
import { parseAttestors, parseOccurrences, verifyAttestor, type Attestor, type AttestationOccurrence } from '../../attestations/index.ts';
import { displayPath } from '../../files/manifest-files.ts';
import { readNamedFile } from '../named-files.ts';
import type { AttestationLookup } from '../../policy/decision.ts';
import { createAttestationAnswers, toResult, type AttestationAnswers } from './lookup.ts';
import type { ReportError } from '../../report/report.ts';
import { parseYamlSource } from '../../yaml/yaml-source.ts';
import { isTerraformPlan, readPlan } from '../../terraform/plan.ts';
import { attestorsFromPlan } from '../../terraform/plan-attestors.ts';

export interface EvidenceFiles {
  readonly attestorsFile: string | null;
  readonly attestationsFile: string | null;
  /** Named files are confined to this folder (or to their own folder when they lie elsewhere). */
  readonly workingFolder: string;
  readonly maxFileBytes: number;
}

export interface FileEvidence extends AttestationAnswers {
  /** What the files' reading found wrong, once for the run (the files are read on the first question, or here). */
  errors(): Promise<readonly ReportError[]>;
}

const NOTHING_GIVEN =
  'no attestation was given to check: give the attestors and attestations files (gcloud container binauthz attestors describe / attestations list --format=json), or run live with a project';

/** Without files, every required attestor is simply unattested (the offline default). */
export const noAttestations: AttestationLookup = (attestor) => ({ attestor, outcome: 'not-verified', cause: 'no-evidence', detail: NOTHING_GIVEN });

/** Answers against attestors and occurrences exported with gcloud: the files are read once for the run. */
export function attestationFiles(files: EvidenceFiles): FileEvidence {
  let loading: Promise<LoadedFiles> | null = null;
  const load = (): Promise<LoadedFiles> => {
    loading ??= loadFiles(files);
    return loading;
  };
  const answers = createAttestationAnswers(async (request) => {
    const { attestors, occurrences } = await load();
    const attestor = attestors?.find((a) => a.name === request.attestor);
    return attestor
      ? toResult(await verifyAttestor(attestor, occurrences, request))
      : { attestor: request.attestor, outcome: 'undecidable', detail: missingAttestor(request.attestor, files.attestorsFile, files.workingFolder) };
  });
  return { answer: answers.answer, errors: async () => (await load()).errors };
}

interface LoadedFiles {
  readonly attestors: readonly Attestor[] | null;
  readonly occurrences: readonly AttestationOccurrence[];
  readonly errors: readonly ReportError[];
}

async function loadFiles(files: EvidenceFiles): Promise<LoadedFiles> {
  const errors: ReportError[] = [];
  const attestors = files.attestorsFile === null ? null : await readAttestors(files.attestorsFile, files, errors);
  const occurrences = files.attestationsFile === null ? [] : await readOccurrences(files.attestationsFile, files, errors);
  return { attestors, occurrences, errors };
}

function missingAttestor(name: string, file: string | null, base: string): string {
  return file === null
    ? `the public keys of ${name} are unknown: give the attestors file (gcloud container binauthz attestors describe ${name} --format=json)`
    : `${name} is not in ${displayPath(file, base)}: add it (gcloud container binauthz attestors describe ${name} --format=json)`;
}

/** Reads a JSON (or YAML) data file as gcloud --format=json writes it; problems go to `errors`. */
async function readDataFile(path: string, files: EvidenceFiles, errors: ReportError[]): Promise<unknown> {
  const file = displayPath(path, files.workingFolder);
  const read = await readNamedFile(path, files);
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

async function readAttestors(path: string, files: EvidenceFiles, errors: ReportError[]): Promise<Attestor[] | null> {
  const value = await readDataFile(path, files, errors);
  if (value === undefined) return null;
  const parsed = parseAttestors(isTerraformPlan(value) ? planAttestors(path, files, value, errors) : value);
  errors.push(...parsed.problems.map((message) => ({ file: displayPath(path, files.workingFolder), line: null, message })));
  return parsed.attestors;
}

/** The attestors a Terraform plan holds, in gcloud's shape (their problems go to `errors`). */
function planAttestors(path: string, files: EvidenceFiles, value: unknown, errors: ReportError[]): unknown {
  const read = readPlan({ value, line: 1, lineOf: () => 1 });
  if (!read.ok) {
    errors.push({ file: displayPath(path, files.workingFolder), line: null, message: read.problem });
    return [];
  }
  const planned = attestorsFromPlan(read.plan, null);
  errors.push(...planned.problems.map((message) => ({ file: displayPath(path, files.workingFolder), line: null, message })));
  return planned.attestors;
}

async function readOccurrences(path: string, files: EvidenceFiles, errors: ReportError[]): Promise<AttestationOccurrence[]> {
  const value = await readDataFile(path, files, errors);
  if (value === undefined) return [];
  const parsed = parseOccurrences(value);
  errors.push(...parsed.problems.map((message) => ({ file: displayPath(path, files.workingFolder), line: null, message })));
  return parsed.occurrences;
}
