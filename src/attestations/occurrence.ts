// ATTESTATION occurrences as `gcloud container binauthz attestations list --format=json` prints them
// (a list), one occurrence, or the REST `occurrences.list` body ({"occurrences": [...]}).
// Undecodable base64 is kept on the occurrence (and reported) so the attestor check can name it as the
// reason an attestation did not count, instead of the attestation silently vanishing.

import { decodeBase64, type DecodedBytes } from './base64.ts';
import { isObject, nonEmptyString, parseList, type JsonObject } from './json.ts';
import { describeValue, nameOrDescription } from '../yaml/values.ts';

export interface AttestationSignature {
  readonly publicKeyId: string;
  readonly signature: DecodedBytes;
}

export interface AttestationOccurrence {
  readonly name: string;
  readonly noteName: string;
  /** As stored: gcloud ≥ 424.0.0 writes `REPO@sha256:…`, older tools `https://REPO@sha256:…`. */
  readonly resourceUri: string;
  /** The signed bytes (`attestation.serializedPayload`). */
  readonly payload: DecodedBytes;
  readonly signatures: readonly AttestationSignature[];
}

export interface ParsedOccurrences {
  readonly occurrences: AttestationOccurrence[];
  readonly problems: string[];
}

export function parseOccurrences(json: unknown): ParsedOccurrences {
  const { items, problems } = parseList(
    json,
    'occurrences',
    'Attestations must be a list of occurrences, one occurrence, or {"occurrences": [...]}.',
    parseOccurrence,
  );
  return { occurrences: items, problems };
}

function parseOccurrence(item: unknown, index: number, problems: string[]): AttestationOccurrence | undefined {
  if (!isObject(item)) return skip(problems, `Occurrence #${index + 1} is not an object`);
  const name = nonEmptyString(item['name']) ?? `occurrence #${index + 1}`;
  const kind = item['kind'];
  if (kind !== undefined && kind !== 'ATTESTATION') {
    return skip(problems, `Occurrence ${name} is of kind ${typeof kind === 'string' ? nameOrDescription(kind, 'kind') : describeValue(kind)}, not ATTESTATION`);
  }
  const attestation = item['attestation'];
  if (!isObject(attestation)) return skip(problems, `Occurrence ${name} has no attestation`);
  const noteName = nonEmptyString(item['noteName']);
  if (noteName === undefined) return skip(problems, `Occurrence ${name} has no noteName`);
  const resourceUri = nonEmptyString(item['resourceUri']);
  if (resourceUri === undefined) return skip(problems, `Occurrence ${name} has no resourceUri`);
  const payload = decodeField(attestation['serializedPayload'], `Occurrence ${name}: attestation.serializedPayload`, problems);
  const signatures = parseSignatures(attestation, name, problems);
  return { name, noteName, resourceUri, payload, signatures };
}

function parseSignatures(attestation: JsonObject, occurrence: string, problems: string[]): AttestationSignature[] {
  const list = attestation['signatures'];
  if (!Array.isArray(list) || list.length === 0) {
    // Newer Grafeas attestations may carry only `jwts`; Binary Authorization checks `signatures`.
    const jwts = attestation['jwts'] !== undefined ? ' (it has jwts, which are not checked)' : '';
    problems.push(`Occurrence ${occurrence} has no attestation.signatures${jwts}; it cannot verify.`);
    return [];
  }
  const signatures: AttestationSignature[] = [];
  list.forEach((entry: unknown, index) => {
    const where = `Occurrence ${occurrence}: attestation.signatures[${index}]`;
    const publicKeyId = isObject(entry) ? nonEmptyString(entry['publicKeyId']) : undefined;
    if (!isObject(entry) || publicKeyId === undefined) {
      problems.push(`${where} has no publicKeyId; it is skipped.`);
      return;
    }
    signatures.push({ publicKeyId, signature: decodeField(entry['signature'], `${where}.signature`, problems) });
  });
  return signatures;
}

function decodeField(value: unknown, where: string, problems: string[]): DecodedBytes {
  const decoded: DecodedBytes = typeof value === 'string' ? decodeBase64(value) : { kind: 'undecodable', reason: 'is missing' };
  if (decoded.kind === 'undecodable') problems.push(`${where} ${decoded.reason}.`);
  return decoded;
}

function skip(problems: string[], sentence: string): undefined {
  problems.push(`${sentence}; it is skipped.`);
  return undefined;
}
