// The enforcer's per-attestor check for one image: does this attestor verify an attestation for
// NAME@DIGEST? When it does not, say the most specific reason found over all its occurrences.

import { keyIdMatches, type Attestor, type AttestorKey } from './attestor.ts';
import type { AttestationOccurrence, AttestationSignature } from './occurrence.ts';
import { parseSimpleSigningPayload } from './payload.ts';
import { verifySignature } from './verify.ts';

export type AttestorCheck =
  | {
      readonly attestor: string;
      readonly outcome: 'verified';
      readonly occurrence: string;
      readonly keyId: string;
      readonly notes: readonly string[];
    }
  | { readonly attestor: string; readonly outcome: 'not-verified'; readonly cause: AttestationFailure; readonly detail: string };

export type AttestationFailure =
  | 'no-keys'
  | 'no-occurrence'
  | 'other-digest'
  | 'payload-digest-mismatch'
  | 'bad-signature'
  | 'unknown-key'
  | 'bad-key'
  | 'bad-payload';

export interface ImageToCheck {
  /** Spellings of the image repository, e.g. `us-docker.pkg.dev/p1/r/web`. */
  readonly names: readonly string[];
  /** `sha256:…` */
  readonly digest: string;
}

type Failure = { readonly cause: AttestationFailure; readonly detail: string };
type Verified = Extract<AttestorCheck, { outcome: 'verified' }>;
type OccurrenceOutcome = { readonly kind: 'verified'; readonly check: Verified } | { readonly kind: 'failed'; readonly failure: Failure };
type SignatureOutcome = { readonly kind: 'verified'; readonly keyId: string } | { readonly kind: 'failed'; readonly failure: Failure };

// Most specific first. A broken attestor key explains every failure it takes part in, so it leads;
// the rest follow how far an occurrence got before it stopped counting.
const SPECIFICITY: readonly AttestationFailure[] = [
  'bad-key',
  'unknown-key',
  'bad-signature',
  'payload-digest-mismatch',
  'bad-payload',
  'other-digest',
  'no-occurrence',
  'no-keys',
];

const HTTPS = 'https://';

export async function verifyAttestor(attestor: Attestor, occurrences: readonly AttestationOccurrence[], image: ImageToCheck): Promise<AttestorCheck> {
  const notVerified = (failure: Failure): AttestorCheck => ({ attestor: attestor.name, outcome: 'not-verified', ...failure });
  if (attestor.publicKeys.length === 0) {
    return notVerified({ cause: 'no-keys', detail: `Attestor ${attestor.name} holds no public keys, so it never verifies an attestation.` });
  }
  const onNote = occurrences.filter((occurrence) => occurrence.noteName === attestor.noteReference);
  let verified: Verified | undefined;
  let best: Failure | undefined;
  const subjects = new Set(image.names.map((name) => `${name}@${image.digest}`));
  for (const occurrence of onNote.filter((candidate) => subjects.has(withoutScheme(candidate.resourceUri)))) {
    const outcome = await checkOccurrence(attestor, occurrence, image);
    if (outcome.kind === 'failed') best = moreSpecific(best, outcome.failure);
    // A clean verification (no notes) cannot be bettered; otherwise keep looking for one.
    else if (outcome.check.notes.length === 0) return outcome.check;
    else verified ??= outcome.check;
  }
  return verified ?? notVerified(best ?? missingFailure(attestor, onNote, image));
}

function withoutScheme(uri: string): string {
  return uri.startsWith(HTTPS) ? uri.slice(HTTPS.length) : uri;
}

async function checkOccurrence(attestor: Attestor, occurrence: AttestationOccurrence, image: ImageToCheck): Promise<OccurrenceOutcome> {
  const where = `Attestor ${attestor.name}: occurrence ${occurrence.name}`;
  if (occurrence.payload.kind === 'undecodable') {
    return failed('bad-payload', `${where} cannot count: its attestation.serializedPayload ${occurrence.payload.reason}.`);
  }
  const payloadBytes = occurrence.payload.bytes;
  const signed = await checkSignatures(attestor, occurrence, payloadBytes);
  if (signed.kind === 'failed') return signed;
  const parsed = parseSimpleSigningPayload(payloadBytes);
  if (!parsed.ok) {
    return failed('bad-payload', `${where} is signed by key ${signed.keyId}, but ${parsed.problem}.`);
  }
  const { manifestDigest, dockerReference } = parsed.payload;
  if (manifestDigest !== image.digest) {
    return failed(
      'payload-digest-mismatch',
      `${where} is filed under ${image.digest}, but its payload, signed by key ${signed.keyId}, names ${manifestDigest}.`,
    );
  }
  const notes = successNotes(occurrence, dockerReference, image);
  return { kind: 'verified', check: { attestor: attestor.name, outcome: 'verified', occurrence: occurrence.name, keyId: signed.keyId, notes } };
}

function successNotes(occurrence: AttestationOccurrence, dockerReference: string, image: ImageToCheck): string[] {
  const notes: string[] = [];
  if (occurrence.resourceUri.startsWith(HTTPS)) {
    notes.push('attested only under the https:// spelling; gcloud writes it without a scheme since 424.0.0');
  }
  if (!image.names.includes(dockerReference)) {
    notes.push(`the signed payload names docker-reference ${dockerReference}, not ${image.names.join(' or ')}`);
  }
  return notes;
}

async function checkSignatures(attestor: Attestor, occurrence: AttestationOccurrence, payload: Buffer): Promise<SignatureOutcome> {
  let best: Failure | undefined;
  for (const signature of occurrence.signatures) {
    const outcome = await checkSignature(attestor, occurrence, signature, payload);
    if (outcome.kind === 'verified') return outcome;
    best = moreSpecific(best, outcome.failure);
  }
  return {
    kind: 'failed',
    failure: best ?? { cause: 'bad-signature', detail: `Attestor ${attestor.name}: occurrence ${occurrence.name} carries no signatures.` },
  };
}

async function checkSignature(
  attestor: Attestor,
  occurrence: AttestationOccurrence,
  signature: AttestationSignature,
  payload: Buffer,
): Promise<SignatureOutcome> {
  const keys = attestor.publicKeys.filter((key) => keyIdMatches(key, signature.publicKeyId));
  const by = `Attestor ${attestor.name}: the signature by key ${signature.publicKeyId}`;
  const unknownKey: Failure = {
    cause: 'unknown-key',
    detail: `Attestor ${attestor.name} does not hold key ${signature.publicKeyId}, which signed occurrence ${occurrence.name} (it holds ${keyList(attestor.publicKeys)}).`,
  };
  if (keys.length === 0) return { kind: 'failed', failure: unknownKey };
  if (signature.signature.kind === 'undecodable') {
    return failed('bad-signature', `${by} on occurrence ${occurrence.name} cannot be read: its signature ${signature.signature.reason}.`);
  }
  let best: Failure | undefined;
  for (const key of keys) {
    const check = await verifySignature(key, payload, signature.signature.bytes);
    if (check.result === 'valid') return { kind: 'verified', keyId: key.id };
    best = moreSpecific(
      best,
      check.result === 'bad-key'
        ? { cause: 'bad-key', detail: `Attestor ${attestor.name}: key ${key.id} cannot check the signature on occurrence ${occurrence.name}: ${check.reason}.` }
        : { cause: 'bad-signature', detail: `${by} does not verify over the payload of occurrence ${occurrence.name}: ${check.reason}.` },
    );
  }
  return { kind: 'failed', failure: best ?? unknownKey };
}

/** Why no occurrence named the image: attestations for other digests of it, or none at all. */
function missingFailure(attestor: Attestor, onNote: readonly AttestationOccurrence[], image: ImageToCheck): Failure {
  const others = onNote.filter((occurrence) => image.names.some((name) => withoutScheme(occurrence.resourceUri).startsWith(`${name}@`)));
  const first = others[0];
  const wanted = `${image.names[0] ?? '(no name)'}@${image.digest}`;
  if (first === undefined) {
    return { cause: 'no-occurrence', detail: `Attestor ${attestor.name} has no attestation on note ${attestor.noteReference} for ${wanted}.` };
  }
  const more = others.length > 1 ? ` and ${others.length - 1} more` : '';
  return {
    cause: 'other-digest',
    detail: `Attestor ${attestor.name} has attestations on note ${attestor.noteReference} only for other digests of this image (${withoutScheme(first.resourceUri)} in occurrence ${first.name}${more}), none for ${wanted}.`,
  };
}

function moreSpecific(current: Failure | undefined, candidate: Failure): Failure {
  if (current === undefined) return candidate;
  return SPECIFICITY.indexOf(candidate.cause) < SPECIFICITY.indexOf(current.cause) ? candidate : current;
}

function failed(cause: AttestationFailure, detail: string): { readonly kind: 'failed'; readonly failure: Failure } {
  return { kind: 'failed', failure: { cause, detail } };
}

function keyList(keys: readonly AttestorKey[]): string {
  const shown = keys
    .slice(0, 3)
    .map((key) => key.id)
    .join(', ');
  return keys.length > 3 ? `${shown} and ${keys.length - 3} more` : shown;
}
