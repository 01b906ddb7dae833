// One workload set, two policies, one round of evidence: each tag is resolved once and each
// attestor's attestation list fetched once, whichever policy asks (what an impact run relies on).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { Policy } from '../../src/policy/policy.ts';
import { decide } from '../../src/policy/decide.ts';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';
import { gatherEvidence } from '../../src/run/gather-evidence.ts';
import type { LiveServices } from '../../src/run/settings.ts';
import type { GoogleApis } from '../../src/gcp/google-apis.ts';

const D = `sha256:${'1'.repeat(64)}`;
const TAGGED = `us-docker.pkg.dev/p1/apps/web:v1`;
const PINNED = `us-docker.pkg.dev/p1/apps/api@${D}`;

function policy(text: string): Policy {
  const parsed = parsePolicyText('file:p.yaml', text);
  assert.ok(parsed.ok);
  return parsed.policy;
}

const rule = (attestors: string[]) =>
  `defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy:\n${attestors.map((a) => `  - projects/p1/attestors/${a}\n`).join('')}`;

function service(name: string, image: string): string {
  return `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${image}\n`;
}

function countingLive(): { live: LiveServices; calls: string[] } {
  const calls: string[] = [];
  const attestor = (name: string) => ({ name, userOwnedGrafeasNote: { noteReference: `${name.replace('/attestors/', '/notes/')}-note`, publicKeys: [] } });
  const apis = {
    getAttestor: async (name: string) => (calls.push(`attestor ${name}`), attestor(name)),
    listOccurrences: async (note: string, digest: string) => (calls.push(`list ${note} ${digest}`), { onTarget: [], ignored: [] }),
  } as unknown as GoogleApis;
  const resolveTag = async (request: { registry: string; repository: string; tag: string }) => {
    calls.push(`tag ${request.registry}/${request.repository}:${request.tag}`);
    return { ok: true as const, digest: `sha256:${'2'.repeat(64)}` };
  };
  return { live: { apis, resolveTag }, calls };
}

describe('gatherEvidence for two policies', () => {
  const workloads = readWorkloads('svc.yaml', [service('web', TAGGED), service('web-canary', TAGGED), service('api', PINNED)].join('---\n')).workloads;
  const before = policy(rule(['built-by-ci']));
  const after = policy(rule(['built-by-ci', 'security-review']));

  it('resolves each tag once and fetches each attestation list once, for both policies', async () => {
    const { live, calls } = countingLive();
    const reading = { workingFolder: process.cwd(), maxFileBytes: 1 << 20 };
    const gathered = await gatherEvidence(workloads, [before, after], { from: 'live' }, reading, live);
    const count = (prefix: string) => calls.filter((c) => c.startsWith(prefix)).length;
    assert.equal(count('tag '), 1, 'one tag, used by two workloads and two policies');
    assert.equal(count('attestor '), 2, 'each attestor fetched once');
    // Two digests (the tag's and the pinned one) × two attestors, whichever policy asks.
    assert.equal(count('list '), 4, calls.join('\n'));
    assert.equal(new Set(calls).size, calls.length, 'no question asked twice');
    // Both policies are decided from the one round of evidence, without a lookup it did not gather.
    for (const p of [before, after]) {
      const results = decide(workloads, p, gathered.evidence, { requireEnforcement: true });
      assert.equal(results.length, 3);
      for (const result of results) {
        for (const container of result.containers) assert.doesNotMatch(container.detail, /internal error/);
      }
    }
    assert.ok(decide(workloads, after, gathered.evidence, { requireEnforcement: true }).every((r) => r.containers[0]?.attestors.length === 2));
  });
});
