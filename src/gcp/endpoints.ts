// Where each Google API lives: the public endpoint, or gcloud's override variables
// (CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>) for Private Service Connect, emulators and tests.
import type { GoogleEndpoints } from './google-apis.ts';

/** The Google APIs and the Cloud Run Admin API (`run`: v2 lists, v1 locations), each a root URL ending in '/'. */
export type Endpoints = GoogleEndpoints & { readonly run: string };

const DEFAULTS: Endpoints = {
  binaryauthorization: 'https://binaryauthorization.googleapis.com/',
  containeranalysis: 'https://containeranalysis.googleapis.com/',
  cloudkms: 'https://cloudkms.googleapis.com/',
  run: 'https://run.googleapis.com/',
};

export function endpointsFromEnvironment(env: Readonly<Record<string, string | undefined>>): Endpoints {
  const pick = (api: keyof Endpoints): string => rootUrl(env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api.toUpperCase()}`]) ?? DEFAULTS[api];
  return { binaryauthorization: pick('binaryauthorization'), containeranalysis: pick('containeranalysis'), cloudkms: pick('cloudkms'), run: pick('run') };
}

/** The client appends `v1/...` (or `v2/...` for Cloud Run), so a trailing version segment some users include is dropped. */
function rootUrl(value: string | undefined): string | null {
  if (!value || value.trim() === '') return null;
  const url = new URL(value.trim());
  url.pathname = url.pathname.replace(/\/v[12](beta1)?\/?$/, '/').replace(/\/?$/, '/');
  return url.toString();
}
