// The attestors a Terraform plan will create or keep (`google_binary_authorization_attestor`),
// turned into the shape `gcloud container binauthz attestors describe --format=json` prints, so
// that the attestor reader validates them as it validates gcloud's. Keys known only after apply
// (a PGP key's computed id) are problems: their attestations could not be matched.
import { asRecord } from '../yaml/values.ts';
import { block, isUnknown, stringAttribute, type Plan, type PlannedResource } from './plan.ts';

const ATTESTOR_TYPE = 'google_binary_authorization_attestor';

export interface PlanAttestors {
  /** gcloud-shaped attestor objects, for `parseAttestors`. */
  readonly attestors: readonly Record<string, unknown>[];
  readonly problems: readonly string[];
}

export function attestorsFromPlan(plan: Plan, fallbackProject: string | null): PlanAttestors {
  const attestors: Record<string, unknown>[] = [];
  const problems: string[] = [];
  for (const resource of plan.resources) {
    if (resource.type !== ATTESTOR_TYPE || resource.values === null) continue;
    const attestor = toAttestor(resource, resource.values, plan.providerProject ?? fallbackProject, problems);
    if (attestor) attestors.push(attestor);
  }
  if (attestors.length === 0 && problems.length === 0) problems.push(`the plan holds no ${ATTESTOR_TYPE} (planned, not deleted)`);
  return { attestors, problems };
}

function toAttestor(resource: PlannedResource, values: Record<string, unknown>, fallback: string | null, problems: string[]): Record<string, unknown> | null {
  const project = stringAttribute(values, 'project') ?? fallback;
  const short = stringAttribute(values, 'name');
  if (short === null || project === null) {
    problems.push(
      `${resource.address}: the attestor's ${short === null ? 'name' : 'project'} is not known from the plan (set it, or the google provider's project, or give the project)`,
    );
    return null;
  }
  const note = block(values, 'attestation_authority_note');
  const noteReference = stringAttribute(note, 'note_reference');
  if (noteReference === null) {
    problems.push(`${resource.address}: attestation_authority_note[0].note_reference is not known from the plan`);
    return null;
  }
  const keys = Array.isArray(note?.['public_keys']) ? note['public_keys'] : [];
  const publicKeys = keys.flatMap((item, index) => {
    const key = toKey(resource, item, index, problems);
    return key ? [key] : [];
  });
  return {
    name: short.startsWith('projects/') ? short : `projects/${project}/attestors/${short}`,
    userOwnedGrafeasNote: {
      noteReference: noteReference.startsWith('projects/') ? noteReference : `projects/${project}/notes/${noteReference}`,
      publicKeys,
    },
  };
}

function toKey(resource: PlannedResource, item: unknown, index: number, problems: string[]): Record<string, unknown> | null {
  const key = asRecord(item);
  const path = ['attestation_authority_note', 0, 'public_keys', index];
  if (!key) return null;
  if (isUnknown(resource.unknown, [...path, 'id'])) {
    problems.push(
      `${resource.address}: public_keys[${index}].id is known only after apply (a PGP key's fingerprint): its attestations cannot be matched before apply`,
    );
    return null;
  }
  const out: Record<string, unknown> = { id: key['id'] };
  const armored = stringAttribute(key, 'ascii_armored_pgp_public_key');
  if (armored !== null) out['asciiArmoredPgpPublicKey'] = armored;
  const pkix = block(key, 'pkix_public_key');
  if (pkix) {
    if (isUnknown(resource.unknown, [...path, 'pkix_public_key'])) {
      problems.push(`${resource.address}: public_keys[${index}].pkix_public_key is known only after apply`);
      return null;
    }
    out['pkixPublicKey'] = { publicKeyPem: pkix['public_key_pem'], signatureAlgorithm: pkix['signature_algorithm'] };
  }
  return out;
}
