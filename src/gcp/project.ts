// The default project, in the order gcloud and google-github-actions/auth users expect: gcloud's
// configured project, the variables the auth action exports, then the ADC file's project (read
// with the bounded reader: a device or FIFO named there must not hang the command line).
import { readAdcFile } from './credentials.ts';

type Env = Readonly<Record<string, string | undefined>>;

export function defaultProject(env: Env): string | null {
  for (const name of ['CLOUDSDK_CORE_PROJECT', 'CLOUDSDK_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  const adc = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (!adc) return null;
  const read = readAdcFile(adc);
  if (!read.ok) return null;
  const project = read.json['project_id'] ?? read.json['quota_project_id'];
  return typeof project === 'string' && project !== '' ? project : null;
}
