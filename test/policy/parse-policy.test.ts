import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { ParsedPolicy } from '../../src/policy/policy.ts';

const gcloudExport = readFileSync(new URL('../fixtures/gcloud/policy-export.yaml', import.meta.url), 'utf8');

function errorsOf(parsed: ParsedPolicy): string[] {
  assert.equal(parsed.ok, false, 'the policy is rejected');
  return parsed.ok ? [] : parsed.errors.map((e) => e.message);
}

describe('parsePolicyText', () => {
  it('reads the export gcloud made', () => {
    const parsed = parsePolicyText('file:policy.yaml', gcloudExport);
    assert.ok(parsed.ok);
    const { policy } = parsed;
    assert.equal(policy.name, 'projects/p1/policy');
    assert.equal(policy.etag, '"abc"');
    assert.deepEqual(policy.defaultRule, {
      evaluationMode: 'REQUIRE_ATTESTATION',
      enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG',
      requireAttestationsBy: ['projects/p1/attestors/a1'],
    });
    assert.deepEqual(
      policy.allowlist.map((p) => p.text),
      ['us-docker.pkg.dev/p1/allowed/*'],
    );
  });

  it('reads the REST API JSON the same way', () => {
    const json = JSON.stringify({
      name: 'projects/p/policy',
      admissionWhitelistPatterns: [{ namePattern: 'gcr.io/p/**' }],
      defaultAdmissionRule: { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'DRYRUN_AUDIT_LOG_ONLY' },
    });
    const parsed = parsePolicyText('projects/p/policy', json);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.policy.defaultRule, { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'DRYRUN_AUDIT_LOG_ONLY' });
    assert.equal(parsed.policy.allowlist[0]?.wildcard, 'doublestar');
  });

  it('names the field of every mistake, with its line', () => {
    const parsed = parsePolicyText(
      'f',
      [
        'defaultAdmissionRule:',
        '  evaluationMode: REQUIRE_ATTESTATIONS',
        '  enforcementMode: ENFORCED',
        'admissionWhitelistPatterns:',
        '- namePattern: gcr.io/p/n*x',
        'admissionWhiteListPatterns: []',
      ].join('\n'),
    );
    assert.ok(!parsed.ok);
    const byField = new Map(parsed.errors.map((e) => [e.field, e]));
    // An enum-shaped value is quoted; any other is described by type (see quotes-nothing.test.ts).
    assert.match(
      byField.get('defaultAdmissionRule.evaluationMode')?.message ?? '',
      /"REQUIRE_ATTESTATIONS" is not one of ALWAYS_ALLOW, ALWAYS_DENY, REQUIRE_ATTESTATION \(did you mean REQUIRE_ATTESTATION\?\)/,
    );
    assert.equal(byField.get('defaultAdmissionRule.evaluationMode')?.line, 2);
    assert.ok(byField.has('defaultAdmissionRule.enforcementMode'));
    assert.match(byField.get('admissionWhitelistPatterns[0].namePattern')?.message ?? '', /n\*x/);
    assert.equal(byField.get('admissionWhitelistPatterns[0].namePattern')?.line, 5);
    assert.match(byField.get('admissionWhiteListPatterns')?.message ?? '', /not a field/);
  });

  it('requires attestors exactly when the mode is REQUIRE_ATTESTATION', () => {
    assert.match(
      errorsOf(parsePolicyText('f', 'defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n')).join(),
      /requireAttestationsBy: must name at least one attestor/,
    );
    assert.match(
      errorsOf(
        parsePolicyText(
          'f',
          'defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [projects/p/attestors/a]\n',
        ),
      ).join(),
      /must be empty when evaluationMode is ALWAYS_ALLOW/,
    );
    assert.match(errorsOf(parsePolicyText('f', 'name: projects/p/policy\n')).join(), /defaultAdmissionRule: is required/);
  });

  it('reports the rules Cloud Run ignores, and never applies them', () => {
    const parsed = parsePolicyText(
      'f',
      [
        'defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}',
        'clusterAdmissionRules:',
        '  us-east1-a.prod: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}',
        'istioServiceIdentityAdmissionRules:',
        '  spiffe://x/ns/y/sa/z: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}',
        'globalPolicyEvaluationMode: ENABLE',
      ].join('\n'),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.policy.defaultRule.evaluationMode, 'ALWAYS_DENY');
    const notes = parsed.policy.notes.map((n) => `${n.field}: ${n.message}`);
    assert.ok(notes.some((n) => /^clusterAdmissionRules: 1 rule\(s\) \(us-east1-a\.prod\) ignored/.test(n)));
    assert.ok(
      notes.some((n) => /^istioServiceIdentityAdmissionRules\..*requireAttestationsBy: .*must name at least one attestor.*ignored on Cloud Run/.test(n)),
      'an invalid ignored rule is a note',
    );
    assert.ok(notes.some((n) => /^globalPolicyEvaluationMode: .*GKE only/.test(n)));
  });

  it("a note on a nested rule cites the rule's own line, not its parent's", () => {
    const parsed = parsePolicyText(
      'f',
      [
        'defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}',
        'clusterAdmissionRules:',
        '  us-east1-a.prod:',
        '    evaluationMode: REQUIRE_ATTESTATION',
        '    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG',
        '  europe-west1-b.dev:',
        '    evaluationMode: SOMETIMES',
        '    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG',
      ].join('\n'),
    );
    assert.ok(parsed.ok);
    const lines = parsed.policy.notes.map((n) => [n.field, n.line]);
    assert.deepEqual(lines, [
      ['clusterAdmissionRules', 2],
      ['clusterAdmissionRules.us-east1-a.prod.requireAttestationsBy', 3],
      ['clusterAdmissionRules.europe-west1-b.dev.evaluationMode', 7],
    ]);
  });

  it('keeps pattern warnings as notes', () => {
    const parsed = parsePolicyText(
      'f',
      'defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\nadmissionWhitelistPatterns:\n- namePattern: gcr.io/p/app:latest\n',
    );
    assert.ok(parsed.ok);
    assert.match(parsed.policy.notes[0]?.message ?? '', /tag/);
    assert.equal(parsed.policy.notes[0]?.line, 3);
  });

  it('says what a file is when it is not a project policy', () => {
    assert.match(errorsOf(parsePolicyText('f', 'gkePolicy:\n  checkSets: []\n')).join(), /GKE platform policy/);
    assert.match(errorsOf(parsePolicyText('f', 'cloudRunPolicy:\n  rule: {}\n')).join(), /Cloud Run platform policy/);
    assert.match(errorsOf(parsePolicyText('f', 'apiVersion: kritis.grafeas.io/v1beta1\nkind: VulnzSigningPolicy\n')).join(), /Kritis/);
    assert.match(
      errorsOf(parsePolicyText('f', 'preventBinaryArtifacts: true\n')).join(),
      /does not look like a Binary Authorization policy.*preventBinaryArtifacts/,
    );
    assert.match(errorsOf(parsePolicyText('f', 'resource "google_binary_authorization_policy" "p" {\n}\n')).join(), /Terraform/);
    assert.match(errorsOf(parsePolicyText('f', '')).join(), /empty/);
    assert.match(errorsOf(parsePolicyText('f', 'a: 1\n---\nb: 2\n')).join(), /2 YAML documents/);
  });

  it('reads a Config Connector BinaryAuthorizationPolicy, policy under spec', () => {
    const parsed = parsePolicyText(
      'f',
      [
        'apiVersion: binaryauthorization.cnrm.cloud.google.com/v1beta1',
        'kind: BinaryAuthorizationPolicy',
        'metadata: {name: p}',
        'spec:',
        '  projectRef: {name: proj}',
        '  defaultAdmissionRule:',
        '    evaluationMode: REQUIRE_ATTESTATION',
        '    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG',
        '    requireAttestationsBy:',
        '    - external: projects/p/attestors/a',
        '  admissionWhitelistPatterns: [{namePattern: "gcr.io/p/*"}]',
        '  bogus: 1',
      ].join('\n'),
    );
    assert.ok(!parsed.ok);
    assert.deepEqual(
      parsed.errors.map((e) => [e.field, e.line]),
      [['spec.bogus', 12]],
    );
    const fixed = parsePolicyText(
      'f',
      [
        'apiVersion: binaryauthorization.cnrm.cloud.google.com/v1beta1',
        'kind: BinaryAuthorizationPolicy',
        'spec:',
        '  defaultAdmissionRule: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [{external: projects/p/attestors/a}]}',
      ].join('\n'),
    );
    assert.ok(fixed.ok);
    assert.deepEqual(fixed.policy.defaultRule.evaluationMode === 'REQUIRE_ATTESTATION' && fixed.policy.defaultRule.requireAttestationsBy, [
      'projects/p/attestors/a',
    ]);
  });
});
