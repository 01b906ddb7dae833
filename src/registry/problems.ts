// The one-sentence problems a failed resolution carries. Each names the image and the HTTP status, and
// says what to do when there is something to do. None may quote a token: they are built from statuses,
// host names and error messages that never see an Authorization header.

import { RegistryRequestError } from './http-request.ts';
import type { TagResolution, TaggedImage } from './settings.ts';
import { messageOf } from '../errors.ts';

const GOOGLE_ROLES = 'grant roles/artifactregistry.reader (Artifact Registry) or roles/storage.objectViewer (gcr.io) to the caller';

type Failure = Extract<TagResolution, { ok: false }>;

export function describeTag(image: TaggedImage): string {
  // The digest check (check-digest.ts) asks by digest through the same code; a digest is not a tag.
  if (image.tag.includes(':')) return `manifest ${image.registry}/${image.repository}@${image.tag}`;
  return `tag ${image.tag} of ${image.registry}/${image.repository}`;
}

const failure = (problem: string, status: number | null): Failure => ({ ok: false, problem, status });

export function notFound(image: TaggedImage): Failure {
  return failure(`${describeTag(image)} does not exist (HTTP 404)`, 404);
}

export function googleNotAuthorized(image: TaggedImage, status: number, hadToken: boolean): Failure {
  const without = hadToken ? '' : ' with no Google access token available (sign in with gcloud auth application-default login)';
  return failure(`reading ${describeTag(image)} was not authorized (HTTP ${status})${without}: ${GOOGLE_ROLES}`, status);
}

export function anonymousNotAuthorized(image: TaggedImage, status: number): Failure {
  const problem = `reading ${describeTag(image)} was not authorized (HTTP ${status}): the registry refused an anonymous pull (the repository may be private or not exist), and credentials for registries other than Google's are not supported yet`;
  return failure(problem, status);
}

export function basicChallenge(image: TaggedImage, status: number): Failure {
  const problem = `reading ${describeTag(image)} needs registry credentials (HTTP ${status}, Basic challenge), which are not supported yet: pin the image by digest (IMAGE@sha256:…) or use a registry mirror`;
  return failure(problem, status);
}

export function unusableChallenge(image: TaggedImage, status: number, why: string): Failure {
  return failure(`reading ${describeTag(image)} was not authorized (HTTP ${status}): ${why}`, status);
}

export function tokenFailed(image: TaggedImage, why: string, status: number | null, error: unknown): Failure {
  const detail = error === null ? '' : `: ${messageOf(error)}`;
  return failure(`could not get an anonymous pull token for ${describeTag(image)}: ${why}${detail}`, status);
}

export function googleTokenFailed(image: TaggedImage, error: unknown): Failure {
  return failure(`could not get a Google access token to read ${describeTag(image)}: ${messageOf(error)}`, null);
}

export function unexpectedStatus(image: TaggedImage, status: number): Failure {
  return failure(`registry answered HTTP ${status} for ${describeTag(image)}`, status);
}

export function digestMismatch(image: TaggedImage, header: string, served: string): Failure {
  return failure(
    `registry answered ${describeTag(image)} (HTTP 200) with Docker-Content-Digest ${header}, but the manifest it served hashes to ${served}`,
    200,
  );
}

export function emptyManifest(image: TaggedImage): Failure {
  return failure(`registry answered ${describeTag(image)} with an empty manifest (HTTP 200)`, 200);
}

/** What `send` finally threw: a status the policy gave up retrying, a network failure, or the policy's own error (a deadline). */
export function requestFailed(image: TaggedImage, error: unknown): Failure {
  if (error instanceof RegistryRequestError) {
    if (!error.retryable) return failure(`${error.message}, so ${describeTag(image)} was not resolved`, error.status);
    if (error.status !== null) {
      const via = error.via === null ? '' : ` (through ${error.via})`;
      return failure(`registry answered HTTP ${error.status} for ${describeTag(image)}${via}`, error.status);
    }
    return failure(`${error.message}, so ${describeTag(image)} was not resolved`, null);
  }
  return failure(`could not resolve ${describeTag(image)}: ${messageOf(error)}`, null);
}
