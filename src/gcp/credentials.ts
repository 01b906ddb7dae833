// Credentials in the order gcloud users expect: an explicit access token
// (CLOUDSDK_AUTH_ACCESS_TOKEN), else Application Default Credentials: the file named by
// GOOGLE_APPLICATION_CREDENTIALS (service-account keys, and the external_account files that
// google-github-actions/auth writes for Workload Identity Federation), gcloud's ADC file, or
// the metadata server on Cloud Build and GCE.
import { GoogleAuth, OAuth2Client } from 'google-auth-library';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export type GoogleCredentials = OAuth2Client | GoogleAuth;

export function createCredentials(accessToken: string | null): GoogleCredentials {
  if (accessToken) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken });
    return client;
  }
  return new GoogleAuth({ scopes: [CLOUD_PLATFORM] });
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
