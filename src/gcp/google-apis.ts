// Every Google REST call binauthz-gate makes, one method per call, through googleapis'
// per-API modules. Each call goes through the run's CallRunner (asked once, bounded, retried
// within the deadline) and fails with a message naming the API, the object and the role.
import { binaryauthorization_v1 } from 'googleapis/build/src/apis/binaryauthorization/v1.js';
import { containeranalysis_v1 } from 'googleapis/build/src/apis/containeranalysis/v1.js';
import type { OAuth2Client, GoogleAuth } from 'google-auth-library';
import type { Attempt, CallRunner } from '../net/call-runner.ts';
import { classifyApiFailure, describeFailure, type CallDescription } from './api-failure.ts';

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
  /** Every ATTESTATION occurrence on `note` whose resource URL ends with `digest`, all pages. */
  listAttestationOccurrences(note: string, digest: string): Promise<unknown[]>;
}

const ROLES = {
  policy: 'roles/binaryauthorization.policyViewer on the project',
  attestor: 'roles/binaryauthorization.attestorsViewer on the attestor',
  occurrences: "roles/containeranalysis.occurrences.viewer on the attestor's note project",
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

  async function call<T>(key: string, description: CallDescription, attempt: Attempt<T>): Promise<T> {
    try {
      return await settings.runner.run(key, `${description.api}: ${description.action}`, attempt, classifyApiFailure);
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
    listAttestationOccurrences: async (note, digest) => {
      const occurrences: unknown[] = [];
      let pageToken: string | undefined;
      do {
        const token = pageToken;
        const page = await call(`occurrences ${note} ${digest} ${token ?? ''}`, listCall(note, digest), async (timeout, signal) =>
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
  };
}
