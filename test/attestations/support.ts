// Builders shared by the attestation tests: gcloud-shaped JSON, signing, and base64 spellings.

import { constants, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Attestor, AttestorKey, ImageToCheck } from '../../src/attestations/index.ts';

export const NAME = 'us-docker.pkg.dev/p1/r/web';
export const DIGEST = `sha256:${'7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed'}`;
export const OTHER_DIGEST = `sha256:${'3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3'}`;
export const NOTE = 'projects/p1/notes/n1';
export const IMAGE: ImageToCheck = { names: [NAME], digest: DIGEST };

export function fixturePath(relative: string): string {
  return new URL(`../fixtures/${relative}`, import.meta.url).pathname;
}

export function readFixture(relative: string): string {
  return readFileSync(fixturePath(relative), 'utf8');
}

export function readJsonFixture(relative: string): unknown {
  return JSON.parse(readFixture(relative));
}

/** The four spellings a base64 field may arrive in. */
export function base64Spellings(bytes: Uint8Array): { readonly label: string; readonly text: string }[] {
  const standard = Buffer.from(bytes).toString('base64');
  const urlSafe = Buffer.from(bytes).toString('base64url');
  return [
    { label: 'standard padded', text: standard },
    { label: 'standard unpadded', text: standard.replace(/=+$/, '') },
    { label: 'URL-safe padded', text: urlSafe.padEnd(Math.ceil(urlSafe.length / 4) * 4, '=') },
    { label: 'URL-safe unpadded', text: urlSafe },
  ];
}

export interface OccurrenceSpec {
  readonly name?: string;
  readonly note?: string;
  readonly resourceUri?: string;
  readonly payload: Uint8Array | string;
  readonly signatures: readonly { readonly publicKeyId: string; readonly signature: Uint8Array | string }[];
}

/** One occurrence as `gcloud container binauthz attestations list --format=json` prints it. */
export function occurrenceJson(spec: OccurrenceSpec): Record<string, unknown> {
  return {
    attestation: {
      serializedPayload: asBase64(spec.payload),
      signatures: spec.signatures.map((s) => ({ publicKeyId: s.publicKeyId, signature: asBase64(s.signature) })),
    },
    createTime: '2026-11-24T19:14:16Z',
    kind: 'ATTESTATION',
    name: spec.name ?? 'projects/p1/occurrences/o1',
    noteName: spec.note ?? NOTE,
    resourceUri: spec.resourceUri ?? `${NAME}@${DIGEST}`,
    updateTime: '2026-11-24T19:14:16Z',
  };
}

function asBase64(value: Uint8Array | string): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64url');
}

export function attestorWith(keys: readonly AttestorKey[], name = 'projects/p1/attestors/a1'): Attestor {
  return { name, noteReference: NOTE, publicKeys: keys };
}

export function pemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** How each Binary Authorization algorithm signs, written out independently of src/. */
export interface SigningScheme {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly padding: 'ecdsa' | 'pss' | 'pkcs1';
  readonly keyType: 'ec' | 'rsa';
  readonly curveOrBits: string | number;
}

export function signPayload(scheme: SigningScheme, privateKey: KeyObject, payload: Uint8Array): Buffer {
  if (scheme.padding === 'ecdsa') return sign(scheme.hash, payload, { key: privateKey, dsaEncoding: 'der' });
  if (scheme.padding === 'pkcs1') return sign(scheme.hash, payload, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[scheme.hash];
  return sign(scheme.hash, payload, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

export function flipByte(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}
