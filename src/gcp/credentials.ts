// Credentials in the order gcloud users expect: an explicit access token
// (CLOUDSDK_AUTH_ACCESS_TOKEN), else Application Default Credentials: the file named by
// GOOGLE_APPLICATION_CREDENTIALS (service-account keys, and the external_account files that
// google-github-actions/auth writes for Workload Identity Federation), gcloud's ADC file, or
// the metadata server on Cloud Build and GCE. The ADC file is read here, with the bounded reader
// (a device or FIFO there must not hang the run), and handed to google-auth-library parsed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { readTextFileSync } from '../files/safe-read.ts';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Credential files are a few KB; anything larger is not one. */
export const CREDENTIALS_FILE_LIMIT = 1024 * 1024;

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

export function createCredentials(accessToken: string | null, adcFile: string | null = null): GoogleCredentials {
  if (accessToken) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken });
    return client;
  }
  if (adcFile === null) return new GoogleAuth({ scopes: [CLOUD_PLATFORM] });
  const adc = readAdcFile(adcFile);
  if (!adc.ok) return new UnusableCredentials(adc.problem);
  return new GoogleAuth({ scopes: [CLOUD_PLATFORM], credentials: adc.json });
}

/** Credentials that could not be read: every call that needs a token fails with why. */
class UnusableCredentials extends OAuth2Client {
  readonly #problem: string;
  constructor(problem: string) {
    super();
    this.#problem = problem;
  }
  override async getAccessToken(): Promise<never> {
    throw new Error(this.#problem);
  }
  override async getRequestHeaders(): Promise<never> {
    throw new Error(this.#problem);
  }
  // Every authenticated request asks for its headers here first.
  protected override async getRequestMetadataAsync(): Promise<never> {
    throw new Error(this.#problem);
  }
}

/** A bearer token for registries that take Google tokens (Artifact Registry, gcr.io); null when none can be had. */
export async function bearerToken(credentials: GoogleCredentials): Promise<string | null> {
  try {
    const token = credentials instanceof OAuth2Client ? (await credentials.getAccessToken()).token : await credentials.getAccessToken();
    return token ?? null;
  } catch {
    return null;
  }
}
