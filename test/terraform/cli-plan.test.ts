// Terraform plans through the built CLI: a plan as the policy, as the attestors and as the
// workloads, in one run; a planned delete of the policy; a plan the verdict cannot be read from.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliJson } from '../helpers/run-cli.ts';
import { tempDir } from '../helpers/temp.ts';

const FIXTURES = new URL('../fixtures/terraform/', import.meta.url).pathname;
const valid = JSON.parse(readFileSync(new URL('../fixtures/attestations/conformance/attestation-valid-gcloud-style.json', import.meta.url), 'utf8')) as {
  image: string;
  attestors: {
    name: string;
    userOwnedGrafeasNote: { noteReference: string; publicKeys: { id: string; pkixPublicKey: { publicKeyPem: string; signatureAlgorithm: string } }[] };
  }[];
  attestations: unknown[];
};

interface Report {
  verdict: string;
  policy: { source: string; notes: { message: string }[] };
  workloads: { name: string; file: string; verdict: string; enforcement: string }[];
  skipped: { kind: string }[];
  errors: { message: string }[];
}

/** A plan that creates the attestor of the conformance case, a policy requiring it, and a v2 service deploying its image. */
function attestedPlan(): object {
  const attestor = valid.attestors[0];
  assert.ok(attestor);
  const key = attestor.userOwnedGrafeasNote.publicKeys[0];
  assert.ok(key);
  const change = (address: string, type: string, after: object, afterUnknown: object = {}) => ({
    address,
    mode: 'managed',
    type,
    name: address.split('.').at(-1),
    change: { actions: ['create'], before: null, after, after_unknown: afterUnknown },
  });
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    planned_values: { root_module: {} },
    resource_changes: [
      change('google_binary_authorization_attestor.a1', 'google_binary_authorization_attestor', {
        name: 'a1',
        project: 'p1',
        attestation_authority_note: [
          {
            note_reference: 'a1-note',
            public_keys: [
              {
                id: key.id,
                comment: null,
                ascii_armored_pgp_public_key: null,
                pkix_public_key: [{ public_key_pem: key.pkixPublicKey.publicKeyPem, signature_algorithm: key.pkixPublicKey.signatureAlgorithm }],
              },
            ],
          },
        ],
      }),
      change('google_binary_authorization_policy.policy', 'google_binary_authorization_policy', {
        project: 'p1',
        admission_whitelist_patterns: [],
        default_admission_rule: [{ evaluation_mode: 'REQUIRE_ATTESTATION', enforcement_mode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', require_attestations_by: ['a1'] }],
        cluster_admission_rules: [],
      }),
      change('module.web.google_cloud_run_v2_service.web', 'google_cloud_run_v2_service', {
        name: 'web',
        location: 'us-central1',
        template: [{ containers: [{ name: 'app', image: valid.image }] }],
        binary_authorization: [{ use_default: true, policy: null, breakglass_justification: null }],
      }),
    ],
  };
}

describe('Terraform plans through the built CLI', () => {
  it('one plan is the policy, the attestors and the workloads: an attested image passes', async (t) => {
    const dir = tempDir(t, 'cli-plan-');
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify(attestedPlan()));
    writeFileSync(join(dir, 'attestations.json'), JSON.stringify(valid.attestations));
    const run = await runCliJson<Report>(
      ['check', '--policy-file', 'plan.json', '--attestors', 'plan.json', '--attestations', 'attestations.json', '--format', 'json', 'plan.json'],
      { cwd: dir },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.report.policy.source, 'file:plan.json#google_binary_authorization_policy.policy');
    assert.deepEqual(
      run.report.workloads.map((w) => [w.name, w.file, w.verdict]),
      [['module.web.google_cloud_run_v2_service.web', 'plan.json', 'pass']],
    );
    // Without the attestation, the same plan fails: the attestor from the plan was really used.
    writeFileSync(join(dir, 'attestations.json'), '[]');
    const bare = await runCliJson<Report>(
      ['check', '--policy-file', 'plan.json', '--attestors', 'plan.json', '--attestations', 'attestations.json', '--format', 'json', 'plan.json'],
      { cwd: dir },
    );
    assert.equal(bare.code, 1, bare.stdout);
  });

  it('a plan that deletes the policy is checked against Google default policy, and says so', async () => {
    const run = await runCliJson<Report>([
      'check',
      '--policy-file',
      `${FIXTURES}policy-deleted.plan.json`,
      '--format',
      'json',
      `${FIXTURES}run-workloads.plan.json`,
    ]);
    assert.match(
      run.report.policy.notes.map((n) => n.message).join('\n'),
      /the plan deletes google_binary_authorization_policy\.policy: the project falls back to Google's default policy/,
    );
    const verdicts = Object.fromEntries(run.report.workloads.map((w) => [w.name, w.verdict]));
    assert.equal(verdicts['google_cloud_run_v2_service.api'], 'pass', 'ALWAYS_ALLOW admits it');
    assert.equal(verdicts['module.batch.google_cloud_run_v2_job.nightly'], 'fail', 'binary_authorization: [] does not ask Cloud Run to enforce');
    assert.equal(verdicts['module.app["eu/west"].google_cloud_run_v2_service.worker'], 'error', 'an image known only after apply is never a pass');
    assert.equal(
      run.report.workloads.some((w) => w.name.includes('retired')),
      false,
      'a planned delete is not checked',
    );
    assert.ok(run.report.skipped.some((s) => s.kind === 'google_cloud_run_v2_service.retired (planned delete)'));
    assert.equal(run.code, 2, 'an unknown image leaves the run undecided');
  });

  it('a policy known only after apply is an error naming the value, and nothing passes', async () => {
    const run = await runCliJson<Report>([
      'check',
      '--policy-file',
      `${FIXTURES}policy-unknown-attestor.plan.json`,
      '--format',
      'json',
      `${FIXTURES}run-workloads.plan.json`,
    ]);
    assert.equal(run.code, 2);
    assert.equal(run.report.verdict, 'error');
    assert.match(run.report.errors.map((e) => e.message).join('\n'), /default_admission_rule is known only after apply/);
  });
});
