// Public API of attestation parsing and verification.

export { parseAttestors, singleAttestor, keyIdMatches, type Attestor, type AttestorKey, type ParsedAttestors } from './attestor.ts';
export { decodeBase64, type DecodedBytes } from './base64.ts';
export { parseOccurrences, type AttestationOccurrence, type AttestationSignature, type ParsedOccurrences } from './occurrence.ts';
export { createSignaturePayload, parseSimpleSigningPayload, type PayloadParse, type SimpleSigningPayload } from './payload.ts';
export { PKIX_ALGORITHMS } from './pkix.ts';
export { verifySignature, type SignatureCheck } from './verify.ts';
export { verifyAttestor, type AttestationFailure, type AttestorCheck, type ImageToCheck } from './verify-attestor.ts';
