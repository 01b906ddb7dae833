// PGP attestor keys. The signature field of a PGP attestation is a whole ASCII-armoured OpenPGP
// signed message (`gpg --armor --sign payload.json`); it counts when it verifies with the attestor's
// key and its literal content is exactly the occurrence's payload.

import type { Key, VerifyMessageResult } from 'openpgp';
import { normalizeFingerprint, type AttestorKey } from './attestor.ts';
import type { SignatureCheck } from './verify.ts';
import { libraryReason } from '../yaml/values.ts';

export type PgpKey = Extract<AttestorKey, { kind: 'pgp' }>;

// OpenPGP.js is a third of the bundle and PGP attestors are rare: load it on first use only,
// so that runs without PGP keys do not pay for evaluating it at start-up.
let openpgp: Promise<typeof import('openpgp')> | undefined;
const loadOpenpgp = (): Promise<typeof import('openpgp')> => (openpgp ??= import('openpgp'));

type PreparedKey = { readonly ok: true; readonly key: Key } | { readonly ok: false; readonly reason: string };

// Reading an armoured key costs milliseconds; each attestor key is read once.
const prepared = new WeakMap<PgpKey, Promise<PreparedKey>>();

export async function verifyPgp(key: PgpKey, payload: Uint8Array, signature: Uint8Array): Promise<SignatureCheck> {
  const ready = await prepareKey(key);
  if (!ready.ok) return { result: 'bad-key', reason: ready.reason };
  const reason = await signedMessageProblem(ready.key, payload, Buffer.from(signature).toString('utf8'));
  return reason === undefined ? { result: 'valid' } : { result: 'bad-signature', reason };
}

function prepareKey(key: PgpKey): Promise<PreparedKey> {
  let ready = prepared.get(key);
  if (ready === undefined) {
    ready = readAttestorKey(key);
    prepared.set(key, ready);
  }
  return ready;
}

async function readAttestorKey(key: PgpKey): Promise<PreparedKey> {
  let parsed: Key;
  try {
    parsed = await (await loadOpenpgp()).readKey({ armoredKey: key.armored });
  } catch (error) {
    return { ok: false, reason: `its asciiArmoredPgpPublicKey is not a readable OpenPGP key (${libraryReason(error)})` };
  }
  if (parsed.isPrivate()) return { ok: false, reason: 'its asciiArmoredPgpPublicKey holds a private key, not a public key' };
  const fingerprint = normalizeFingerprint(parsed.getFingerprint());
  if (fingerprint !== normalizeFingerprint(key.id)) {
    return { ok: false, reason: `its armoured key has fingerprint ${fingerprint}, which is not its id` };
  }
  return { ok: true, key: parsed };
}

/** Undefined when the message verifies over exactly the payload, else why not (a clause). */
async function signedMessageProblem(key: Key, payload: Uint8Array, armored: string): Promise<string | undefined> {
  const shape = armourProblem(armored);
  if (shape !== undefined) return shape;
  try {
    const { readMessage, verify } = await loadOpenpgp();
    const message = await readMessage({ armoredMessage: armored });
    const { data, signatures } = await verify({ message, verificationKeys: key, format: 'binary' });
    const failure = await signaturesProblem(key, signatures);
    if (failure !== undefined) return failure;
    return Buffer.from(payload).equals(data) ? undefined : 'the signed message verifies, but its content is not the payload';
  } catch (error) {
    return `the signed message cannot be read (${libraryReason(error)})`;
  }
}

// The usual mistakes are other gpg outputs; name them so the fix is obvious.
function armourProblem(armored: string): string | undefined {
  const text = armored.trimStart();
  if (text.startsWith('-----BEGIN PGP MESSAGE-----')) return undefined;
  if (text.startsWith('-----BEGIN PGP SIGNATURE-----')) {
    return 'it is a detached signature (gpg --detach-sign), but a PGP attestation needs the signed message itself (gpg --armor --sign)';
  }
  if (text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    return 'it is a cleartext signature (gpg --clearsign), but a PGP attestation needs a signed message (gpg --armor --sign)';
  }
  return 'it is not an ASCII-armoured OpenPGP signed message (gpg --armor --sign)';
}

async function signaturesProblem(key: Key, signatures: VerifyMessageResult['signatures']): Promise<string | undefined> {
  if (signatures.length === 0) return 'the OpenPGP message carries no signature';
  const errors = await Promise.all(
    signatures.map(async (signature) => {
      try {
        await signature.verified;
        return undefined;
      } catch (error) {
        return libraryReason(error);
      }
    }),
  );
  if (errors.some((error) => error === undefined)) return undefined;
  const ownIds = key.getKeyIDs();
  const signers = signatures.map((signature) => signature.keyID);
  if (!signers.some((signer) => ownIds.some((own) => own.equals(signer)))) {
    return `the message is signed by key ID ${signers.map((signer) => signer.toHex().toUpperCase()).join(', ')}, not by this key`;
  }
  return `the OpenPGP signature does not verify (${errors.find((error) => error !== undefined) ?? 'unknown error'})`;
}
