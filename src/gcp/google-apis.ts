// Every Google REST call binauthz-gate makes, one method per call, through googleapis'
// per-API modules. Each call goes through the run's CallRunner (asked once, bounded, retried
// within the deadline) and fails with a message naming the API, the object and the role.
import { binaryauthorization_v1 } from 'googleapis/build/src/apis/binaryauthorization/v1.js';
import { containeranalysis_v1 } from 'googleapis/build/src/apis/containeranalysis/v1.js';
import { cloudkms_v1 } from 'googleapis/build/src/apis/cloudkms/v1.js';
import type { OAuth2Client, GoogleAuth } from 'google-auth-library';
import type { Attempt, CallRunner } from '../net/call-runner.ts';
import { classifyApiFailure, describeFailure, statusOf, type CallDescription } from './api-failure.ts';
import type { AttemptFailure } from '../net/retry.ts';

export interface GoogleEndpoints {
  /** Root URLs ending in '/', e.g. https://binaryauthorization.googleapis.com/ */
  readonly binaryauthorization: string;
  readonly containeranalysis: string;
  readonly cloudkms: string;
}

export interface GoogleApiSettings {
  readonly auth: OAuth2Client | GoogleAuth;
  readonly endpoints: GoogleEndpoints;
  readonly userAgent: { readonly product: string; readonly version: string };
  readonly runner: CallRunner;
}

export interface GoogleApis {
  getPolicy(project: string): Promise<unknown>;
  getAttestor(name: string): Promise<unknown>;
  /**
   * Every ATTESTATION occurrence on `note` whose resource URL ends with `digest`, all pages. The run asks each
   * question once; `round` (attest's list after creating) makes the same list a new question.
   */
  listAttestationOccurrences(note: string, digest: string, round?: string): Promise<unknown[]>;
  /** Creates an occurrence under `projects/PROJECT`; retried only when Google did not take it (429). */
  createOccurrence(project: string, occurrence: AttestationOccurrenceBody): Promise<unknown>;
  /** Deletes `projects/P/occurrences/ID` (attest removes only its own duplicate); retried only on 429, like creating. */
  deleteOccurrence(name: string): Promise<void>;
  /** The key version's algorithm as Cloud KMS names it, e.g. EC_SIGN_P256_SHA256. */
  getKeyVersionAlgorithm(keyVersion: string): Promise<string>;
  /** Signs a digest the caller computed; returns the signature bytes. */
  asymmetricSign(keyVersion: string, digest: { readonly hash: 'sha256' | 'sha384' | 'sha512'; readonly bytes: Buffer }): Promise<Buffer>;
}

/** The occurrence body as gcloud sends it: bytes fields as URL-safe base64, resourceUri without a scheme. */
export interface AttestationOccurrenceBody {
  readonly attestation: { readonly serializedPayload: string; readonly signatures: readonly { readonly publicKeyId: string; readonly signature: string }[] };
  readonly kind: 'ATTESTATION';
  readonly noteName: string;
  readonly resourceUri: string;
}

const ROLES = {
  policy: 'roles/binaryauthorization.policyViewer on the project',
  attestor: 'roles/binaryauthorization.attestorsViewer on the attestor',
  occurrences: "roles/containeranalysis.occurrences.viewer on the attestor's note project",
  create: "roles/containeranalysis.notes.attacher on the attestor's note and roles/containeranalysis.occurrences.editor on the project",
  remove: 'roles/containeranalysis.occurrences.editor on the project',
  kmsRead: 'roles/cloudkms.viewer (or roles/cloudkms.signerVerifier) on the key',
  kmsSign: 'roles/cloudkms.signerVerifier (or roles/cloudkms.signer) on the key',
} as const;

/** The largest page Container Analysis serves, as gcloud asks for it. */
const PAGE_SIZE = 100;

export function createGoogleApis(settings: GoogleApiSettings): GoogleApis {
  const common = {
    auth: settings.auth,
    userAgentDirectives: [{ product: settings.userAgent.product, version: settings.userAgent.version }],
  };
  const binauthz = new binaryauthorization_v1.Binaryauthorization({ ...common, rootUrl: settings.endpoints.binaryauthorization });
  const analysis = new containeranalysis_v1.Containeranalysis({ ...common, rootUrl: settings.endpoints.containeranalysis });
  const kms = new cloudkms_v1.Cloudkms({ ...common, rootUrl: settings.endpoints.cloudkms });
  let creations = 0;

  async function call<T>(key: string, description: CallDescription, attempt: Attempt<T>, classify = classifyApiFailure): Promise<T> {
    try {
      return await settings.runner.run(key, `${description.api}: ${description.action}`, attempt, classify);
    } catch (error) {
      throw describeFailure(description, error);
    }
  }

  const policyCall = (project: string): CallDescription => ({ api: 'Binary Authorization', action: `get policy projects/${project}/policy`, role: ROLES.policy });
  const attestorCall = (name: string): CallDescription => ({ api: 'Binary Authorization', action: `get attestor ${name}`, role: ROLES.attestor });
  const listCall = (note: string, digest: string): CallDescription => ({
    api: 'Container Analysis',
    action: `list attestations on ${note} for ${digest}`,
    role: ROLES.occurrences,
  });

  return {
    getPolicy: (project) =>
      call(`policy ${project}`, policyCall(project), async (timeout, signal) =>
        (await binauthz.projects.getPolicy({ name: `projects/${project}/policy` }, { retry: false, timeout, signal })).data,
      ),
    getAttestor: (name) =>
      call(`attestor ${name}`, attestorCall(name), async (timeout, signal) =>
        (await binauthz.projects.attestors.get({ name }, { retry: false, timeout, signal })).data,
      ),
    listAttestationOccurrences: async (note, digest, round = '') => {
      const occurrences: unknown[] = [];
      let pageToken: string | undefined;
      do {
        const token = pageToken;
        const page = await call(`occurrences ${note} ${digest} ${token ?? ''} ${round}`, listCall(note, digest), async (timeout, signal) =>
          (
            await analysis.projects.notes.occurrences.list(
              { name: note, filter: `has_suffix(resourceUrl, "${digest}")`, pageSize: PAGE_SIZE, ...(token ? { pageToken: token } : {}) },
              { retry: false, timeout, signal },
            )
          ).data,
        );
        occurrences.push(...(page.occurrences ?? []));
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      return occurrences;
    },
    createOccurrence: (project, occurrence) =>
      call(
        `create occurrence ${++creations}`,
        { api: 'Container Analysis', action: `create an attestation on ${occurrence.noteName} for ${occurrence.resourceUri}`, role: ROLES.create },
        async (timeout, signal) =>
          (await analysis.projects.occurrences.create({ parent: `projects/${project}`, requestBody: { ...occurrence, attestation: { ...occurrence.attestation, signatures: [...occurrence.attestation.signatures] } } }, { retry: false, timeout, signal })).data,
        onlyWhenNotTaken,
      ),
    deleteOccurrence: async (name) => {
      await call(`delete occurrence ${name}`, { api: 'Container Analysis', action: `delete occurrence ${name}`, role: ROLES.remove }, async (timeout, signal) =>
        (await analysis.projects.occurrences.delete({ name }, { retry: false, timeout, signal })).data,
        onlyWhenNotTaken,
      );
    },
    getKeyVersionAlgorithm: async (keyVersion) => {
      const version = await call(`key version ${keyVersion}`, { api: 'Cloud KMS', action: `get key version ${keyVersion}`, role: ROLES.kmsRead }, async (timeout, signal) =>
        (await kms.projects.locations.keyRings.cryptoKeys.cryptoKeyVersions.get({ name: keyVersion }, { retry: false, timeout, signal })).data,
      );
      if (typeof version.algorithm !== 'string') throw new Error(`Cloud KMS: key version ${keyVersion} has no algorithm`);
      return version.algorithm;
    },
    asymmetricSign: async (keyVersion, digest) => {
      const encoded = digest.bytes.toString('base64url');
      const signed = await call(`sign ${keyVersion} ${digest.hash} ${encoded}`, { api: 'Cloud KMS', action: `sign with ${keyVersion}`, role: ROLES.kmsSign }, async (timeout, signal) =>
        (
          await kms.projects.locations.keyRings.cryptoKeys.cryptoKeyVersions.asymmetricSign(
            { name: keyVersion, requestBody: { digest: { [digest.hash]: padded(encoded) } } },
            { retry: false, timeout, signal },
          )
        ).data,
      );
      if (typeof signed.signature !== 'string') throw new Error(`Cloud KMS: signing with ${keyVersion} returned no signature`);
      return Buffer.from(signed.signature, 'base64');
    },
  };
}

/** URL-safe base64 with its padding, as gcloud sends bytes fields. */
export function padded(base64url: string): string {
  return base64url + '='.repeat((4 - (base64url.length % 4)) % 4);
}

/**
 * Creating is not idempotent: a 5xx or a dropped connection may have created the occurrence,
 * so only a 429 (Google did not take the request) is retried. A re-run finds what was created.
 */
function onlyWhenNotTaken(error: unknown): AttemptFailure {
  const failure = classifyApiFailure(error);
  return failure.retryable && statusOf(error) === 429 ? failure : { retryable: false };
}
