// The default project, in the order gcloud and google-github-actions/auth users expect: gcloud's
// configured project, the variables the auth action exports, then the ADC file's project.
import { readFileSync } from 'node:fs';

type Env = Readonly<Record<string, string | undefined>>;

export function defaultProject(env: Env): string | null {
  for (const name of ['CLOUDSDK_CORE_PROJECT', 'CLOUDSDK_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  const adc = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (!adc) return null;
  try {
    const json = JSON.parse(readFileSync(adc, 'utf8')) as { project_id?: unknown; quota_project_id?: unknown };
    const project = json.project_id ?? json.quota_project_id;
    return typeof project === 'string' && project !== '' ? project : null;
  } catch {
    return null;
  }
}
