// The shapes of the Google resource names the engine and both front ends accept: one definition,
// so a name the policy reader takes is a name the attest step takes, and the reverse.

/** projects/PROJECT/attestors/ATTESTOR, with Google's project-id characters (domain-scoped ids have `:` and `.`). */
export const ATTESTOR_NAME = /^projects\/[a-z0-9](?:[a-z0-9.:-]*[a-z0-9])?\/attestors\/[A-Za-z0-9_-]+$/;

/** projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N, each part non-empty and without `/` or spaces. */
export const KMS_KEY_VERSION_NAME = /^projects\/[^/\s]+\/locations\/[^/\s]+\/keyRings\/[^/\s]+\/cryptoKeys\/[^/\s]+\/cryptoKeyVersions\/[^/\s]+$/;
