import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAttestors } from '../../src/attestations/index.ts';
import { readPlan } from '../../src/terraform/plan.ts';
import { attestorsFromPlan } from '../../src/terraform/plan-attestors.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/terraform/${name}`, import.meta.url), 'utf8'));

function planOf(value: unknown) {
  const read = readPlan({ value, line: 1, lineOf: () => 1 });
  assert.ok(read.ok, read.ok ? '' : read.problem);
  return read.plan;
}

describe('attestors from a Terraform plan', () => {
  it('gives the attestor in the shape gcloud prints, short names expanded with the provider project', () => {
    const planned = attestorsFromPlan(planOf(fixture('policy-short-names-0.1.plan.json')), null);
    assert.deepEqual(planned.problems, []);
    const parsed = parseAttestors(planned.attestors);
    assert.deepEqual(parsed.problems, []);
    const [attestor] = parsed.attestors;
    assert.equal(attestor?.name, 'projects/dev-for-tests/attestors/test-attestor');
    assert.equal(attestor?.noteReference, 'projects/dev-for-tests/notes/test-attestor-note');
    assert.deepEqual(
      attestor?.publicKeys.map((k) => [k.kind, k.id]),
      [['pkix', '//cloudkms.googleapis.com/v1/projects/dev-for-tests/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1']],
    );
  });

  it('makes a key whose id is known only after apply a problem, and leaves the key out', () => {
    const plan = fixture('policy-short-names-0.1.plan.json') as { resource_changes: { type: string; change: { after_unknown: Record<string, unknown> } }[] };
    const change = plan.resource_changes.find((r) => r.type === 'google_binary_authorization_attestor');
    assert.ok(change);
    change.change.after_unknown['attestation_authority_note'] = [{ public_keys: [{ id: true }] }];
    const planned = attestorsFromPlan(planOf(plan), null);
    assert.match(planned.problems.join('\n'), /public_keys\[0\]\.id is known only after apply/);
    assert.deepEqual((planned.attestors[0] as { userOwnedGrafeasNote: { publicKeys: unknown[] } }).userOwnedGrafeasNote.publicKeys, []);
  });

  it('says so when the plan holds no attestor, or one without a project', () => {
    assert.match(attestorsFromPlan(planOf(fixture('policy-deleted.plan.json')), null).problems[0] ?? '', /holds no google_binary_authorization_attestor/);
    const plan = fixture('policy-short-names-0.1.plan.json') as { configuration: unknown };
    plan.configuration = {};
    assert.match(attestorsFromPlan(planOf(plan), null).problems[0] ?? '', /project is not known from the plan/);
    assert.equal(attestorsFromPlan(planOf(plan), 'flag-project').attestors.length, 1);
  });
});
