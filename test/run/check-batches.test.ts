// runCheck reads and decides a large tree batch by batch (BATCH_WORKLOADS workloads at a time):
// every workload is decided, in file order, exactly as if the tree were decided at once; each tag is
// resolved once and each attestation list fetched once for the run, whichever batch asks; and a
// failure while the next batch is being read is the run's failure, never an unhandled rejection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck } from '../../src/run/check.ts';
import { BATCH_WORKLOADS, manifestBatches, readManifests } from '../../src/run/load-workloads.ts';
import { createEvidenceGatherer } from '../../src/run/gather-evidence.ts';
import { decide } from '../../src/policy/decide.ts';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { CheckSettings, LiveServices } from '../../src/run/settings.ts';
import type { GoogleApis } from '../../src/gcp/google-apis.ts';
import { tempDir } from '../helpers/temp.ts';

const PINNED = `us-docker.pkg.dev/p1/apps/api@sha256:${'1'.repeat(64)}`;
const TAGGED = 'us-docker.pkg.dev/p1/apps/web:v1';
const POLICY = `defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/p1/attestors/built-by-ci
`;

function service(name: string, image: string): string {
  return `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${image}\n`;
}

/** More than two batches of one-Service files: the tagged image is in every batch, the pinned one in every other file. */
function writeTree(dir: string, files: number): void {
  mkdirSync(join(dir, 'deploy'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  for (let i = 0; i < files; i++) {
    const name = `svc-${String(i).padStart(5, '0')}`;
    writeFileSync(join(dir, 'deploy', `${name}.yaml`), service(name, i % 2 === 0 ? TAGGED : PINNED));
  }
}

function settings(dir: string): CheckSettings {
  return {
    policy: { from: 'file', path: 'policy.yaml' },
    attestations: { from: 'live' },
    paths: ['deploy'],
    files: { workingFolder: dir, paths: 'named' },
    allowEmpty: false,
    requireEnforcement: true,
    maxFileBytes: 1 << 20,
  };
}

function countingLive(resolveFails = false): { live: LiveServices; calls: string[] } {
  const calls: string[] = [];
  const apis = {
    getAttestor: async (name: string) => {
      calls.push(`attestor ${name}`);
      return { name, userOwnedGrafeasNote: { noteReference: 'projects/p1/notes/built-by-ci', publicKeys: [] } };
    },
    listOccurrences: async (note: string, digest: string) => (calls.push(`list ${note} ${digest}`), { onTarget: [], ignored: [] }),
  } as unknown as GoogleApis;
  const resolveTag = async (request: { registry: string; repository: string; tag: string }) => {
    calls.push(`tag ${request.registry}/${request.repository}:${request.tag}`);
    // Slow enough that the next batch is being read while this one waits.
    await new Promise((done) => setTimeout(done, 20));
    if (resolveFails) throw new Error('the tag resolver broke');
    return { ok: true as const, digest: `sha256:${'2'.repeat(64)}` };
  };
  return { live: { apis, resolveTag }, calls };
}

const FILES = 2 * BATCH_WORKLOADS + 7;

describe('runCheck batch by batch', () => {
  it('decides every workload of a tree larger than a batch, in order, as one decision of the whole tree would', async (t) => {
    const dir = tempDir(t, 'check-batches-');
    writeTree(dir, FILES);
    const { live, calls } = countingLive();
    const report = await runCheck(settings(dir), live);

    assert.equal(report.workloads.length, FILES);
    assert.deepEqual(
      report.workloads.map((w) => w.name),
      Array.from({ length: FILES }, (_, i) => `svc-${String(i).padStart(5, '0')}`),
    );
    assert.deepEqual(calls.filter((c) => c.startsWith('tag ')).length, 1, 'the tag of every batch resolved once');
    assert.deepEqual(calls.filter((c) => c.startsWith('attestor ')).length, 1);
    assert.deepEqual(calls.filter((c) => c.startsWith('list ')).length, 2, 'one list per digest, for all batches');

    // The same tree decided at once, from evidence gathered at once, says the same.
    const whole = await readManifests(['deploy'], { workingFolder: dir, paths: 'named' }, 1 << 20);
    const parsed = parsePolicyText('file:policy.yaml', POLICY);
    assert.ok(parsed.ok);
    const evidence = await createEvidenceGatherer([parsed.policy], { from: 'live' }, { workingFolder: dir, maxFileBytes: 1 << 20 }, countingLive().live).gather(
      whole.workloads,
    );
    assert.deepEqual(report.workloads, decide(whole.workloads, parsed.policy, evidence, { requireEnforcement: true }));
    assert.ok(report.workloads.every((w) => w.verdict === 'fail' && !w.containers[0]?.detail.includes('internal error')));
  });

  it('reads in batches of at least the batch size, the last one the rest', async (t) => {
    const dir = tempDir(t, 'check-batches-');
    writeTree(dir, 7);
    const sizes: number[] = [];
    for await (const batch of manifestBatches(['deploy'], { workingFolder: dir, paths: 'named' }, 1 << 20, 3)) sizes.push(batch.workloads.length);
    assert.deepEqual(sizes, [3, 3, 1]);
  });

  it('a failure while the next batch is read fails the run where it is awaited', async (t) => {
    const dir = tempDir(t, 'check-batches-');
    writeTree(dir, BATCH_WORKLOADS + 1);
    const { live } = countingLive(true);
    await assert.rejects(runCheck(settings(dir), live), /the tag resolver broke/);
  });
});
