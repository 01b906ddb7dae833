// One signature against one attestor key, whatever the key's kind. Never throws: a key that cannot be
// used is 'bad-key', a signature that cannot be read or does not verify is 'bad-signature'.

import type { AttestorKey } from './attestor.ts';
import { verifyPgp } from './pgp.ts';
import { verifyPkix } from './pkix.ts';
import { messageOf } from '../errors.ts';

export type SignatureCheck =
  | { readonly result: 'valid' }
  /** `reason` is a clause ("the ECDSA_P256_SHA256 check fails") to embed in a sentence. */
  | { readonly result: 'bad-signature'; readonly reason: string }
  | { readonly result: 'bad-key'; readonly reason: string };

export async function verifySignature(key: AttestorKey, payload: Uint8Array, signature: Uint8Array): Promise<SignatureCheck> {
  try {
    return key.kind === 'pkix' ? verifyPkix(key, payload, signature) : await verifyPgp(key, payload, signature);
  } catch (error) {
    // The verifiers catch what they expect; anything else must still fail closed, not end the run.
    return { result: 'bad-signature', reason: `verification failed unexpectedly (${messageOf(error)})` };
  }
}
