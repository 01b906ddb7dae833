// Credentials in the order gcloud users expect: an explicit access token
// (CLOUDSDK_AUTH_ACCESS_TOKEN), else Application Default Credentials: the file named by
// GOOGLE_APPLICATION_CREDENTIALS (service-account keys, and the external_account files that
// google-github-actions/auth writes for Workload Identity Federation), gcloud's ADC file, or
// the metadata server on Cloud Build and GCE. The ADC file is read here, with the bounded reader
// (a device or FIFO there must not hang the run), and handed to google-auth-library parsed.
//
// Every secret the credentials hold or obtain is handed to the run's redactor the moment it is
// known: the ADC file's secret fields, each token google-auth-library obtains (the `tokens` event),
// the STS token of Workload Identity Federation and its subject token, and, as a catch-all, the
// Authorization header of every request the auth client sends. An API answer that echoes any of
// them is then redacted wherever it is written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GoogleAuth, OAuth2Client, type GoogleAuthOptions } from 'google-auth-library';
import { readTextFileSync } from '../files/safe-read.ts';
import type { Redactor } from '../report/redact.ts';
import { UserError } from '../errors.ts';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Credential files are a few KB; anything larger is not one. */
const CREDENTIALS_FILE_LIMIT = 1024 * 1024;

export type GoogleCredentials = OAuth2Client | GoogleAuth;

type Env = Readonly<Record<string, string | undefined>>;

/** Where ADC comes from: the file GOOGLE_APPLICATION_CREDENTIALS names, gcloud's file when it exists, or neither. */
export function adcFileOf(env: Env): string | null {
  const named = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (named) return named;
  const config = env['CLOUDSDK_CONFIG'] ?? gcloudConfigFolder(env);
  if (!config) return null;
  const wellKnown = join(config, 'application_default_credentials.json');
  return existsSync(wellKnown) ? wellKnown : null;
}

function gcloudConfigFolder(env: Env): string | null {
  if (process.platform === 'win32') return env['APPDATA'] ? join(env['APPDATA'], 'gcloud') : null;
  return env['HOME'] ? join(env['HOME'], '.config', 'gcloud') : null;
}

export type AdcContent = { readonly ok: true; readonly json: Record<string, unknown> } | { readonly ok: false; readonly problem: string };

/** The ADC file as a JSON object, read bounded; the problem names the file, never its text. */
export function readAdcFile(path: string): AdcContent {
  const read = readTextFileSync(path, { root: null, maxBytes: CREDENTIALS_FILE_LIMIT });
  if (!read.ok) return { ok: false, problem: `the credentials file ${path}: ${read.problem}` };
  try {
    const json: unknown = JSON.parse(read.text);
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) return { ok: true, json: json as Record<string, unknown> };
  } catch {
    // the text is a credential: its parse error is not repeated
  }
  return { ok: false, problem: `the credentials file ${path} is not a JSON object` };
}

/** Where credentials report the secrets they learn. */
export type SecretSink = Pick<Redactor, 'add' | 'addPem' | 'addCredentialJson'>;

export function createCredentials(accessToken: string | null, secrets: SecretSink, adcFile: string | null = null): GoogleCredentials {
  if (accessToken) {
    secrets.add(accessToken);
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken });
    watchClient(client, secrets);
    return client;
  }
  if (adcFile === null) return new WatchedGoogleAuth({ scopes: [CLOUD_PLATFORM] }, secrets);
  const adc = readAdcFile(adcFile);
  if (!adc.ok) return new UnusableCredentials(adc.problem);
  secrets.addCredentialJson(adc.json);
  return new WatchedGoogleAuth({ scopes: [CLOUD_PLATFORM], credentials: adc.json }, secrets);
}

/** Credentials that could not be read: every call that needs a token fails with why. */
class UnusableCredentials extends OAuth2Client {
  readonly #problem: string;
  constructor(problem: string) {
    super();
    this.#problem = problem;
  }
  override async getAccessToken(): Promise<never> {
    throw new UserError(this.#problem);
  }
  override async getRequestHeaders(): Promise<never> {
    throw new UserError(this.#problem);
  }
  // Every authenticated request asks for its headers here first.
  protected override async getRequestMetadataAsync(): Promise<never> {
    throw new UserError(this.#problem);
  }
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
