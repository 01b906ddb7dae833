// Every Google REST call binauthz-gate makes, one method per call, through googleapis'
// per-API modules. Each call goes through the run's CallRunner (asked once, bounded, retried
// within the deadline) and fails with a message naming the API, the object and the role. Each
// answer is read with a byte limit and checked against the question (./answers.ts) before use.
import { binaryauthorization_v1 } from 'googleapis/build/src/apis/binaryauthorization/v1.js';
import { containeranalysis_v1 } from 'googleapis/build/src/apis/containeranalysis/v1.js';
import { cloudkms_v1 } from 'googleapis/build/src/apis/cloudkms/v1.js';
import type { OAuth2Client, GoogleAuth } from 'google-auth-library';
import type { Attempt, CallRunner } from '../net/call-runner.ts';
import { classifyApiFailure, describeFailure, statusOf, type CallDescription } from './api-failure.ts';
import type { AttemptFailure } from '../net/retry.ts';
import {
  answerOptions,
  checkedAttestor,
  checkedCreatedOccurrence,
  checkedKeyAnswer,
  checkedOccurrencePage,
  checkedPolicy,
  createPageGuard,
  occurrencesOnTarget,
  type JsonObject,
  type OccurrencesOnTarget,
} from './answers.ts';
import { RemoteFailure } from '../errors.ts';

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
  /** The policy `projects/PROJECT/policy`, checked to be that one. */
  getPolicy(project: string): Promise<JsonObject>;
  /** The attestor `name`, checked to be that one. */
  getAttestor(name: string): Promise<JsonObject>;
  /**
   * Every ATTESTATION occurrence on `note` for `digest`, all pages (bounded). Occurrences the answer
   * holds for another note or digest are left out; listOccurrences() says which. The run asks each
   * question once; `round` (attest's list after creating) makes the same list a new question.
   */
  listAttestationOccurrences(note: string, digest: string, round?: string): Promise<unknown[]>;
  /** The same list, with the occurrences that were not asked for named (for the report). */
  listOccurrences(note: string, digest: string, round?: string): Promise<OccurrencesOnTarget>;
  /** Creates an occurrence under `projects/PROJECT`; retried only when Google did not take it (429). */
  createOccurrence(project: string, occurrence: AttestationOccurrenceBody): Promise<JsonObject>;
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
  const options = answerOptions;
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

  const policyCall = (project: string): CallDescription => ({
    api: 'Binary Authorization',
    action: `get policy projects/${project}/policy`,
    role: ROLES.policy,
  });
  const attestorCall = (name: string): CallDescription => ({ api: 'Binary Authorization', action: `get attestor ${name}`, role: ROLES.attestor });
  const listCall = (note: string, digest: string): CallDescription => ({
    api: 'Container Analysis',
    action: `list attestations on ${note} for ${digest}`,
    role: ROLES.occurrences,
  });

  /** All pages of one list, each checked; the page guard ends a list that repeats a token or runs too long. */
  async function listAll(note: string, digest: string, round: string): Promise<JsonObject[]> {
    const description = listCall(note, digest);
    const guard = createPageGuard(description);
    const occurrences: JsonObject[] = [];
    let token: string | null = null;
    do {
      const pageToken = token;
      const data: unknown = await call(
        `occurrences ${note} ${digest} ${pageToken ?? ''} ${round}`,
        description,
        async (timeout, signal) =>
          (
            await analysis.projects.notes.occurrences.list(
              { name: note, filter: `has_suffix(resourceUrl, "${digest}")`, pageSize: PAGE_SIZE, ...(pageToken !== null ? { pageToken } : {}) },
              options(timeout, signal),
            )
          ).data,
      );
      const page = checkedOccurrencePage(description, data);
      guard.page(page.occurrences.length);
      occurrences.push(...page.occurrences);
      token = page.nextPageToken;
      if (token !== null) guard.next(token);
    } while (token !== null);
    return occurrences;
  }

  const listOccurrences = async (note: string, digest: string, round = ''): Promise<OccurrencesOnTarget> =>
    occurrencesOnTarget(note, digest, await listAll(note, digest, round));

  return {
    getPolicy: async (project) => {
      const description = policyCall(project);
      const data: unknown = await call(
        `policy ${project}`,
        description,
        async (timeout, signal) => (await binauthz.projects.getPolicy({ name: `projects/${project}/policy` }, options(timeout, signal))).data,
      );
      return checkedPolicy(description, project, data);
    },
    getAttestor: async (name) => {
      const description = attestorCall(name);
      const data: unknown = await call(
        `attestor ${name}`,
        description,
        async (timeout, signal) => (await binauthz.projects.attestors.get({ name }, options(timeout, signal))).data,
      );
      return checkedAttestor(description, name, data);
    },
    listAttestationOccurrences: async (note, digest, round) => [...(await listOccurrences(note, digest, round)).onTarget],
    listOccurrences,
    createOccurrence: async (project, occurrence) => {
      const description: CallDescription = {
        api: 'Container Analysis',
        action: `create an attestation on ${occurrence.noteName} for ${occurrence.resourceUri}`,
        role: ROLES.create,
      };
      const data: unknown = await call(
        `create occurrence ${++creations}`,
        description,
        async (timeout, signal) =>
          (
            await analysis.projects.occurrences.create(
              {
                parent: `projects/${project}`,
                requestBody: { ...occurrence, attestation: { ...occurrence.attestation, signatures: [...occurrence.attestation.signatures] } },
              },
              options(timeout, signal),
            )
          ).data,
        onlyWhenNotTaken,
      );
      return checkedCreatedOccurrence(description, occurrence, data);
    },
    deleteOccurrence: async (name) => {
      await call(
        `delete occurrence ${name}`,
        { api: 'Container Analysis', action: `delete occurrence ${name}`, role: ROLES.remove },
        async (timeout, signal) => (await analysis.projects.occurrences.delete({ name }, options(timeout, signal))).data,
        onlyWhenNotTaken,
      );
    },
    getKeyVersionAlgorithm: async (keyVersion) => {
      const description: CallDescription = { api: 'Cloud KMS', action: `get key version ${keyVersion}`, role: ROLES.kmsRead };
      const data: unknown = await call(
        `key version ${keyVersion}`,
        description,
        async (timeout, signal) =>
          (await kms.projects.locations.keyRings.cryptoKeys.cryptoKeyVersions.get({ name: keyVersion }, options(timeout, signal))).data,
      );
      const version = checkedKeyAnswer(description, 'CryptoKeyVersion object', keyVersion, data);
      if (typeof version['algorithm'] !== 'string') throw new RemoteFailure(`Cloud KMS: key version ${keyVersion} has no algorithm`);
      return version['algorithm'];
    },
    asymmetricSign: async (keyVersion, digest) => {
      const encoded = digest.bytes.toString('base64url');
      const description: CallDescription = { api: 'Cloud KMS', action: `sign with ${keyVersion}`, role: ROLES.kmsSign };
      const data: unknown = await call(
        `sign ${keyVersion} ${digest.hash} ${encoded}`,
        description,
        async (timeout, signal) =>
          (
            await kms.projects.locations.keyRings.cryptoKeys.cryptoKeyVersions.asymmetricSign(
              { name: keyVersion, requestBody: { digest: { [digest.hash]: padded(encoded) } } },
              options(timeout, signal),
            )
          ).data,
      );
      const signed = checkedKeyAnswer(description, 'AsymmetricSignResponse object', keyVersion, data);
      if (typeof signed['signature'] !== 'string') throw new RemoteFailure(`Cloud KMS: signing with ${keyVersion} returned no signature`);
      return Buffer.from(signed['signature'], 'base64');
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
