// Live mode's remote services, built from settings: credentials, one call policy for the run
// (asked once, bounded concurrency, retries inside the deadline), the Google APIs and the
// registry's tag resolver.
import { adcFileOf, bearerToken, createCredentials, type SecretSink } from '../gcp/credentials.ts';
import { createGoogleApis } from '../gcp/google-apis.ts';
import { createCloudRunApis, type CloudRunApis } from '../gcp/cloud-run.ts';
import { createCallRunner } from '../net/call-runner.ts';
import { classifyHttpFailure, type AttemptFailure } from '../net/retry.ts';
import { createDigestChecker, createResolver, createTagResolver, type DigestChecker, type RegistrySettings } from '../registry/index.ts';
import { RegistryRequestError } from '../registry/http-request.ts';
import type { LiveServices } from './settings.ts';
import { endpointsFromEnvironment, type Endpoints } from '../gcp/endpoints.ts';
import { VERSION } from '../version.ts';

export interface LiveSettings {
  /** CLOUDSDK_AUTH_ACCESS_TOKEN, when set. */
  readonly accessToken: string | null;
  /** The ADC file (GOOGLE_APPLICATION_CREDENTIALS, else gcloud's), read by binauthz-gate itself. */
  readonly adcFile: string | null;
  readonly endpoints: Endpoints;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly resolveTags: boolean;
  readonly mirrors: ReadonlyMap<string, string>;
  readonly version: string;
}

/** Live settings from the environment (token, endpoint overrides) and the front end's own choices. */
export function liveSettingsFrom(
  env: Readonly<Record<string, string | undefined>>,
  choices: Pick<LiveSettings, 'concurrency' | 'timeoutMs' | 'resolveTags' | 'mirrors'>,
): LiveSettings {
  return {
    ...choices,
    accessToken: env['CLOUDSDK_AUTH_ACCESS_TOKEN'] || null,
    adcFile: adcFileOf(env),
    endpoints: endpointsFromEnvironment(env),
    version: VERSION,
  };
}

/** The attest step's digest check rides along: it is not tag resolution, so --no-resolve-tags does not turn it off. */
/** `secrets` (the run's redactor) learns every credential the services hold or obtain. */
export function createLiveServices(
  settings: LiveSettings,
  secrets: SecretSink,
): {
  readonly services: LiveServices & { readonly checkDigest: DigestChecker; readonly cloudRun: CloudRunApis };
} {
  const runner = createCallRunner({ concurrency: settings.concurrency, deadline: Date.now() + settings.timeoutMs });
  const credentials = createCredentials(settings.accessToken, secrets, settings.adcFile);
  const userAgent = { product: 'binauthz-gate', version: settings.version };
  const apis = createGoogleApis({ auth: credentials, endpoints: settings.endpoints, userAgent, runner });
  const cloudRun = createCloudRunApis({ auth: credentials, rootUrl: settings.endpoints.run, userAgent, runner });
  let registryCalls = 0;
  let googleToken: Promise<string | null> | null = null;
  const registry: RegistrySettings = {
    mirrors: settings.mirrors,
    // Under the runner too: a token endpoint that hangs must not outlast the deadline.
    googleToken: () =>
      (googleToken ??= runner.run(
        'google token',
        'Google access token',
        () => bearerToken(credentials, secrets),
        () => ({ retryable: false }),
      )),
    userAgent: `binauthz-gate/${settings.version}`,
    // The resolver remembers its answers; each request here is a new question for the runner.
    send: (label, attempt) => runner.run(`registry ${++registryCalls}`, `registry: ${label}`, (_ms, signal) => attempt(signal), classifyRegistryFailure),
  };
  // One registry client for tags and digests: a token or challenge learnt by one serves the other.
  const client = createResolver(registry);
  const resolver = createTagResolver(registry, client);
  const resolveTag = settings.resolveTags
    ? async (request: { registry: string; repository: string; tag: string }) => {
        const answer = await resolver(request);
        return answer.ok ? { ok: true as const, digest: answer.digest } : { ok: false as const, problem: answer.problem };
      }
    : null;
  return { services: { apis, resolveTag, cloudRun, checkDigest: createDigestChecker(registry, client) } };
}

function classifyRegistryFailure(error: unknown): AttemptFailure {
  if (error instanceof RegistryRequestError) {
    if (!error.retryable) return { retryable: false };
    if (error.status === null) return { retryable: true, retryAfterMs: null };
    return error.retryAfterMs !== null ? { retryable: true, retryAfterMs: error.retryAfterMs } : classifyHttpFailure(error.status, null, null, Date.now());
  }
  const code = (error as { code?: unknown } | null)?.code;
  return classifyHttpFailure(null, typeof code === 'string' ? code : null, null, Date.now());
}
