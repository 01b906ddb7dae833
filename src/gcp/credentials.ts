// Credentials in the order gcloud users expect: an explicit access token
// (CLOUDSDK_AUTH_ACCESS_TOKEN), else Application Default Credentials: the file named by
// GOOGLE_APPLICATION_CREDENTIALS (service-account keys, and the external_account files that
// google-github-actions/auth writes for Workload Identity Federation), gcloud's ADC file, or
// the metadata server on Cloud Build and GCE.
//
// Every secret the credentials hold or obtain is handed to the run's redactor the moment it is
// known: the ADC file's secret fields, each token google-auth-library obtains (the `tokens` event),
// the STS token of Workload Identity Federation and its subject token, and, as a catch-all, the
// Authorization header of every request the auth client sends. An API answer that echoes any of
// them is then redacted wherever it is written.
import { GoogleAuth, OAuth2Client, type GoogleAuthOptions } from 'google-auth-library';
import type { Redactor } from '../report/redact.ts';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export type GoogleCredentials = OAuth2Client | GoogleAuth;

/** Where credentials report the secrets they learn. */
export type SecretSink = Pick<Redactor, 'add' | 'addPem' | 'addCredentialJson'>;

export function createCredentials(accessToken: string | null, secrets: SecretSink): GoogleCredentials {
  if (accessToken) {
    secrets.add(accessToken);
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken });
    watchClient(client, secrets);
    return client;
  }
  return new WatchedGoogleAuth({ scopes: [CLOUD_PLATFORM] }, secrets);
}

/** GoogleAuth whose client, once it has one, reports its secrets; googleapis goes through getClient(). */
class WatchedGoogleAuth extends GoogleAuth {
  readonly #secrets: SecretSink;

  constructor(options: GoogleAuthOptions, secrets: SecretSink) {
    super(options);
    this.#secrets = secrets;
  }

  override async getClient(): ReturnType<GoogleAuth['getClient']> {
    const client = await super.getClient();
    if (this.jsonContent) this.#secrets.addCredentialJson(this.jsonContent);
    watchClient(client, this.#secrets);
    return client;
  }
}

const watched = new WeakSet<object>();

interface TokenEvent {
  readonly access_token?: string | null;
  readonly refresh_token?: string | null;
  readonly id_token?: string | null;
}

interface Watchable {
  on?(event: 'tokens', listener: (tokens: TokenEvent) => void): unknown;
  credentials?: TokenEvent;
  transporter?: { interceptors?: { request?: { add(interceptor: { resolved?: (config: { headers?: Headers }) => Promise<unknown> }): unknown } } };
  /** Workload Identity Federation (BaseExternalAccountClient): the STS exchange and the subject token. */
  stsCredential?: { exchangeToken?: (...args: never[]) => Promise<{ access_token?: string }> };
  retrieveSubjectToken?: () => Promise<string>;
}

function watchClient(client: object, secrets: SecretSink): void {
  if (watched.has(client)) return;
  watched.add(client);
  const watchable = client as Watchable;
  const addTokens = (tokens: TokenEvent | undefined) => {
    secrets.add(tokens?.access_token);
    secrets.add(tokens?.refresh_token);
    secrets.add(tokens?.id_token);
  };
  addTokens(watchable.credentials);
  watchable.on?.('tokens', addTokens);
  watchable.transporter?.interceptors?.request?.add({
    resolved: async (config) => {
      secrets.add(config.headers?.get?.('authorization')?.replace(/^\S+\s+/, ''));
      return config;
    },
  });
  wrapStsExchange(watchable, secrets);
  const retrieve = watchable.retrieveSubjectToken;
  if (typeof retrieve === 'function') {
    watchable.retrieveSubjectToken = async () => {
      const token = await retrieve.call(client);
      secrets.add(token);
      return token;
    };
  }
}

/** The STS token is exchanged on a transporter of its own and never emitted: catch it on the way out. */
function wrapStsExchange(client: Watchable, secrets: SecretSink): void {
  const sts = client.stsCredential;
  const exchange = sts?.exchangeToken;
  if (!sts || typeof exchange !== 'function') return;
  sts.exchangeToken = async (...args: never[]) => {
    const answer = await exchange.apply(sts, args);
    secrets.add(answer?.access_token);
    return answer;
  };
}

/** A bearer token for registries that take Google tokens (Artifact Registry, gcr.io); null when none can be had. */
export async function bearerToken(credentials: GoogleCredentials, secrets: SecretSink): Promise<string | null> {
  try {
    const token = credentials instanceof OAuth2Client ? (await credentials.getAccessToken()).token : await credentials.getAccessToken();
    secrets.add(token);
    return token ?? null;
  } catch {
    return null;
  }
}
