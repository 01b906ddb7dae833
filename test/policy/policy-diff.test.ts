import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import { diffPolicies } from '../../src/policy/policy-diff.ts';
import type { Policy } from '../../src/policy/policy.ts';

function policy(text: string): Policy {
  const parsed = parsePolicyText('file:p.yaml', text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map((e) => e.message).join('; '));
  return parsed.policy;
}

const plan = (name: string): Policy => policy(readFileSync(new URL(`../fixtures/terraform/${name}`, import.meta.url), 'utf8'));

const BASE = `name: projects/my-prod/policy
admissionWhitelistPatterns:
- namePattern: us-docker.pkg.dev/my-prod/cloud-run-source-deploy/**
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/my-prod/attestors/built-by-ci
globalPolicyEvaluationMode: DISABLE
`;

const summary = (before: Policy, after: Policy): string[] =>
  diffPolicies(before, after).map((c) => `${c.effect} ${c.field} ${c.before ?? '-'} -> ${c.after ?? '-'}`);

describe('diffPolicies', () => {
  it('reports terraform-provider-google #14929 (adding an attestor dropped the other) as weakens and tightens', () => {
    assert.deepEqual(summary(policy(BASE), plan('policy-attestor-swapped.plan.json')), [
      'weakens defaultAdmissionRule.requireAttestationsBy projects/my-prod/attestors/built-by-ci -> -',
      'tightens defaultAdmissionRule.requireAttestationsBy - -> projects/my-prod/attestors/security-review',
    ]);
  });

  it('reports a deleted policy as weakens', () => {
    const changes = diffPolicies(policy(BASE), plan('policy-deleted.plan.json'));
    assert.equal(changes[0]?.field, '(policy)');
    assert.equal(changes[0]?.effect, 'weakens');
    assert.ok(changes.some((c) => c.field === 'defaultAdmissionRule.evaluationMode' && c.effect === 'weakens' && c.after === 'ALWAYS_ALLOW'));
  });

  it('weakens on ALWAYS_ALLOW, dry run and a new exempt pattern (moot under ALWAYS_ALLOW); tightens on the reverse', () => {
    const loose = policy(
      BASE.replace('REQUIRE_ATTESTATION', 'ALWAYS_ALLOW')
        .replace(/ {2}requireAttestationsBy:\n.*\n/, '')
        .replace('ENFORCED_BLOCK_AND_AUDIT_LOG', 'DRYRUN_AUDIT_LOG_ONLY')
        .replace('- namePattern', '- namePattern: gcr.io/p/**\n- namePattern'),
    );
    assert.deepEqual(summary(policy(BASE), loose), [
      'weakens defaultAdmissionRule.evaluationMode REQUIRE_ATTESTATION -> ALWAYS_ALLOW',
      'weakens defaultAdmissionRule.enforcementMode ENFORCED_BLOCK_AND_AUDIT_LOG -> DRYRUN_AUDIT_LOG_ONLY',
      'neutral admissionWhitelistPatterns - -> gcr.io/p/**',
    ]);
    const exempting = policy(BASE.replace('- namePattern', '- namePattern: gcr.io/p/**\n- namePattern'));
    assert.deepEqual(summary(policy(BASE), exempting), ['weakens admissionWhitelistPatterns - -> gcr.io/p/**']);
    assert.deepEqual(summary(loose, policy(BASE)), [
      'tightens defaultAdmissionRule.evaluationMode ALWAYS_ALLOW -> REQUIRE_ATTESTATION',
      'tightens defaultAdmissionRule.enforcementMode DRYRUN_AUDIT_LOG_ONLY -> ENFORCED_BLOCK_AND_AUDIT_LOG',
      'tightens admissionWhitelistPatterns gcr.io/p/** -> -',
    ]);
  });

  it('calls ALWAYS_DENY tighter than attestations, the system policy neutral, and an identical policy no change', () => {
    const deny = policy(
      BASE.replace('REQUIRE_ATTESTATION', 'ALWAYS_DENY')
        .replace(/ {2}requireAttestationsBy:\n.*\n/, '')
        .replace('DISABLE', 'ENABLE'),
    );
    assert.deepEqual(summary(policy(BASE), deny), [
      'tightens defaultAdmissionRule.evaluationMode REQUIRE_ATTESTATION -> ALWAYS_DENY',
      'neutral globalPolicyEvaluationMode DISABLE -> ENABLE',
    ]);
    assert.deepEqual(diffPolicies(policy(BASE), policy(BASE)), []);
  });
});
