// Where each Google API lives: the public endpoint, or gcloud's override variables
// (CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>) for Private Service Connect, emulators and tests.
import type { GoogleEndpoints } from './google-apis.ts';

const DEFAULTS: GoogleEndpoints = {
  binaryauthorization: 'https://binaryauthorization.googleapis.com/',
  containeranalysis: 'https://containeranalysis.googleapis.com/',
  cloudkms: 'https://cloudkms.googleapis.com/',
};

export function endpointsFromEnvironment(env: Readonly<Record<string, string | undefined>>): GoogleEndpoints {
  const pick = (api: keyof GoogleEndpoints): string => rootUrl(env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api.toUpperCase()}`]) ?? DEFAULTS[api];
  return { binaryauthorization: pick('binaryauthorization'), containeranalysis: pick('containeranalysis'), cloudkms: pick('cloudkms') };
}

/** The client appends `v1/...`, so a trailing version segment some users include is dropped. */
function rootUrl(value: string | undefined): string | null {
  if (!value || value.trim() === '') return null;
  const url = new URL(value.trim());
  url.pathname = url.pathname.replace(/\/v1(beta1)?\/?$/, '/').replace(/\/?$/, '/');
  return url.toString();
}
