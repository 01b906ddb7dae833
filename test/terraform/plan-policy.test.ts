import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { ParsedPolicy, Policy } from '../../src/policy/policy.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/terraform/${name}`, import.meta.url), 'utf8');
const none = { address: null, project: null };

function policyOf(parsed: ParsedPolicy): Policy {
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map((e) => e.message).join('; '));
  return parsed.policy;
}

function errorOf(parsed: ParsedPolicy): string {
  assert.equal(parsed.ok, false, 'the plan policy is refused');
  return parsed.ok ? '' : parsed.errors.map((e) => e.message).join('; ');
}

describe('policy from a Terraform plan', () => {
  it('reads the planned policy inside a module (format 1.2), with its full address as the source', () => {
    const policy = policyOf(parsePolicyText('file:plan.json', fixture('policy-attestor-swapped.plan.json'), none));
    assert.equal(policy.source, 'file:plan.json#module.binauthz.google_binary_authorization_policy.policy');
    assert.equal(policy.name, 'projects/my-prod/policy');
    assert.deepEqual(policy.defaultRule, {
      evaluationMode: 'REQUIRE_ATTESTATION',
      enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG',
      requireAttestationsBy: ['projects/my-prod/attestors/security-review'],
    });
    assert.deepEqual(
      policy.allowlist.map((p) => p.text),
      ['us-docker.pkg.dev/my-prod/cloud-run-source-deploy/**'],
    );
  });

  it('expands short attestor names with the provider project when the resource has none (format 0.1)', () => {
    const policy = policyOf(parsePolicyText('file:plan.json', fixture('policy-short-names-0.1.plan.json'), none));
    assert.equal(policy.name, 'projects/dev-for-tests/policy');
    assert.equal(policy.defaultRule.evaluationMode, 'REQUIRE_ATTESTATION');
    assert.deepEqual(policy.defaultRule.evaluationMode === 'REQUIRE_ATTESTATION' ? policy.defaultRule.requireAttestationsBy : [], [
      'projects/dev-for-tests/attestors/test-attestor',
    ]);
    const notes = policy.notes.map((n) => n.message).join('\n');
    assert.match(notes, /cluster/i, 'the cluster rule is listed as ignored');
    assert.match(notes, /global_policy_evaluation_mode is known only after apply/);
  });

  it('treats a planned delete as Google default policy, and says so', () => {
    const policy = policyOf(parsePolicyText('file:plan.json', fixture('policy-deleted.plan.json'), none));
    assert.deepEqual(policy.defaultRule, { evaluationMode: 'ALWAYS_ALLOW', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' });
    assert.equal(policy.name, 'projects/my-prod/policy');
    assert.match(policy.notes[0]?.message ?? '', /deletes google_binary_authorization_policy\.policy.*Google's default policy/);
  });

  it('refuses a value the verdict needs that is known only after apply, naming it', () => {
    assert.match(
      errorOf(parsePolicyText('file:plan.json', fixture('policy-unknown-attestor.plan.json'), none)),
      /default_admission_rule is known only after apply/,
    );
  });

  it('asks for --policy-address when the plan holds several policies, and reads the one named', () => {
    const text = fixture('two-policies.plan.json');
    assert.match(errorOf(parsePolicyText('file:plan.json', text, none)), /2 google_binary_authorization_policy resources .*prod.*staging.*--policy-address/);
    const staging = policyOf(parsePolicyText('file:plan.json', text, { address: 'google_binary_authorization_policy.staging', project: null }));
    assert.equal(staging.name, 'projects/my-staging/policy');
    assert.equal(staging.defaultRule.evaluationMode, 'ALWAYS_ALLOW');
    assert.match(
      errorOf(parsePolicyText('file:plan.json', text, { address: 'google_binary_authorization_policy.nope', project: null })),
      /no google_binary_authorization_policy at google_binary_authorization_policy\.nope/,
    );
  });

  it('needs a project for short names when neither the resource nor the provider has one', () => {
    const plan = JSON.parse(fixture('policy-short-names-0.1.plan.json')) as { configuration: Record<string, unknown> };
    plan.configuration = {};
    const text = JSON.stringify(plan);
    assert.match(errorOf(parsePolicyText('file:plan.json', text, none)), /short attestor name test-attestor needs a project/);
    const policy = policyOf(parsePolicyText('file:plan.json', text, { address: null, project: 'from-flag' }));
    assert.equal(
      policy.defaultRule.evaluationMode === 'REQUIRE_ATTESTATION' && policy.defaultRule.requireAttestationsBy[0],
      'projects/from-flag/attestors/test-attestor',
    );
  });

  it('refuses a plan of an unknown format version, and one with no policy', () => {
    const plan = JSON.parse(fixture('policy-deleted.plan.json')) as Record<string, unknown>;
    assert.match(errorOf(parsePolicyText('file:plan.json', JSON.stringify({ ...plan, format_version: '2.0' }), none)), /format_version 2\.0 is not supported/);
    assert.match(errorOf(parsePolicyText('file:plan.json', fixture('run-workloads.plan.json'), none)), /holds no google_binary_authorization_policy/);
  });

  it('validates the planned values as strictly as an exported policy', () => {
    const plan = JSON.parse(fixture('policy-attestor-swapped.plan.json')) as { resource_changes: { change: { after: Record<string, unknown> } }[] };
    const after = plan.resource_changes[0]?.change.after as Record<string, unknown>;
    after['default_admission_rule'] = [
      { evaluation_mode: 'REQUIRE_ATTESTATION', enforcement_mode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', require_attestations_by: null },
    ];
    assert.match(errorOf(parsePolicyText('file:plan.json', JSON.stringify(plan), none)), /must name at least one attestor/);
  });
});
