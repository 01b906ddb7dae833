// Attestors as `gcloud container binauthz attestors describe --format=json` prints them (one object),
// a list of those, or the REST `attestors.list` body ({"attestors": [...]}).

import { isObject, nonEmptyString, parseList, type JsonObject } from './json.ts';

export type AttestorKey =
  | { readonly id: string; readonly kind: 'pkix'; readonly pem: string; readonly algorithm: string }
  | { readonly id: string; readonly kind: 'pgp'; readonly armored: string };

export interface Attestor {
  readonly name: string;
  readonly noteReference: string;
  /** Empty is valid: such an attestor "always returns that no valid attestations exist". */
  readonly publicKeys: readonly AttestorKey[];
}

export interface ParsedAttestors {
  readonly attestors: Attestor[];
  readonly problems: string[];
}

/** The API's default when a PKIX key names no algorithm; verification reports it as a bad key. */
export const UNSPECIFIED_ALGORITHM = 'SIGNATURE_ALGORITHM_UNSPECIFIED';

export function parseAttestors(json: unknown): ParsedAttestors {
  const { items, problems } = parseList(json, 'attestors', 'Attestors must be an attestor object, a list of them, or {"attestors": [...]}.', parseAttestor);
  return { attestors: items, problems };
}

/** The one attestor an API answer for a single attestor holds, or why it cannot be used. */
export function singleAttestor(json: unknown): { readonly ok: true; readonly attestor: Attestor } | { readonly ok: false; readonly problem: string } {
  const parsed = parseAttestors(json);
  const attestor = parsed.attestors[0];
  if (!attestor || parsed.problems.length > 0) return { ok: false, problem: parsed.problems.join('; ') || 'no attestor in the answer' };
  return { ok: true, attestor };
}

/**
 * Whether a signature's `publicKeyId` names this key. PGP ids are fingerprints, which people copy
 * with spaces and in either case; PKIX ids are opaque URIs and must match exactly.
 */
export function keyIdMatches(key: AttestorKey, publicKeyId: string): boolean {
  if (key.kind === 'pkix') return key.id === publicKeyId;
  return normalizeFingerprint(key.id) === normalizeFingerprint(publicKeyId);
}

export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/\s+/g, '').toUpperCase();
}

function parseAttestor(item: unknown, index: number, problems: string[]): Attestor | undefined {
  if (!isObject(item)) {
    problems.push(`Attestor #${index + 1} is not an object; it is skipped.`);
    return undefined;
  }
  const name = nonEmptyString(item['name']);
  if (name === undefined) {
    problems.push(`Attestor #${index + 1} has no name; it is skipped.`);
    return undefined;
  }
  const note = noteOf(item);
  const noteReference = nonEmptyString(note?.['noteReference']);
  if (note === undefined || noteReference === undefined) {
    problems.push(`Attestor ${name} has no userOwnedGrafeasNote.noteReference, so none of its attestations can be found; it is skipped.`);
    return undefined;
  }
  return { name, noteReference, publicKeys: parseKeys(name, note['publicKeys'], problems) };
}

// v1 calls the note userOwnedGrafeasNote; v1beta1 (which gcloud still uses for some calls) userOwnedDrydockNote.
function noteOf(item: JsonObject): JsonObject | undefined {
  const note = item['userOwnedGrafeasNote'] ?? item['userOwnedDrydockNote'];
  return isObject(note) ? note : undefined;
}

function parseKeys(attestor: string, keys: unknown, problems: string[]): AttestorKey[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) {
    problems.push(`Attestor ${attestor}: userOwnedGrafeasNote.publicKeys is not a list; the attestor holds no usable key.`);
    return [];
  }
  const parsed: AttestorKey[] = [];
  keys.forEach((key: unknown, index) => {
    const result = parseKey(key, `Attestor ${attestor}: publicKeys[${index}]`, problems);
    if (result !== undefined) parsed.push(result);
  });
  return parsed;
}

function parseKey(key: unknown, where: string, problems: string[]): AttestorKey | undefined {
  if (!isObject(key)) return skipKey(problems, `${where} is not an object`);
  const id = nonEmptyString(key['id']);
  if (id === undefined) return skipKey(problems, `${where} has no id`);
  const pkix = key['pkixPublicKey'];
  const armored = key['asciiArmoredPgpPublicKey'];
  if (pkix !== undefined && armored !== undefined) {
    return skipKey(problems, `${where} (id ${id}) has both pkixPublicKey and asciiArmoredPgpPublicKey`);
  }
  if (pkix !== undefined) return parsePkixKey(id, pkix, `${where} (id ${id})`, problems);
  const pgp = nonEmptyString(armored);
  if (pgp !== undefined) return { id, kind: 'pgp', armored: pgp };
  return skipKey(problems, `${where} (id ${id}) has neither pkixPublicKey nor asciiArmoredPgpPublicKey as a string`);
}

function parsePkixKey(id: string, pkix: unknown, where: string, problems: string[]): AttestorKey | undefined {
  const pem = isObject(pkix) ? nonEmptyString(pkix['publicKeyPem']) : undefined;
  if (!isObject(pkix) || pem === undefined) return skipKey(problems, `${where} has no pkixPublicKey.publicKeyPem`);
  const algorithm = nonEmptyString(pkix['signatureAlgorithm']);
  if (algorithm === undefined) {
    problems.push(`${where} has no pkixPublicKey.signatureAlgorithm; signatures by it will not verify.`);
  }
  return { id, kind: 'pkix', pem, algorithm: algorithm ?? UNSPECIFIED_ALGORITHM };
}

function skipKey(problems: string[], sentence: string): undefined {
  problems.push(`${sentence}; the key is skipped.`);
  return undefined;
}
