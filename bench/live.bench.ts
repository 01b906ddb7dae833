// Live mode's concurrency: 40 services with distinct digests under REQUIRE_ATTESTATION, every
// Google answer delayed 150 ms by the loopback stand-in. Prints the wall time against the time
// the same requests would take one after another, and the peak of requests in flight.
//   node bench/live.bench.ts
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFakeGoogle } from '../test/helpers/fake-google.ts';
import { createSignaturePayload } from '../src/attestations/payload.ts';

const SERVICES = 40;
const LATENCY_MS = 150;
const CONCURRENCY = 8;
const TARGET_RATIO = 0.4;
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KEY_ID = '//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1';

const google = await startFakeGoogle({ latencyMs: LATENCY_MS });
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
google.state.policies.set('projects/p1', {
  name: 'projects/p1/policy',
  defaultAdmissionRule: {
    evaluationMode: 'REQUIRE_ATTESTATION',
    enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG',
    requireAttestationsBy: ['projects/p1/attestors/built'],
  },
});
google.state.attestors.set('projects/p1/attestors/built', {
  name: 'projects/p1/attestors/built',
  userOwnedGrafeasNote: {
    noteReference: 'projects/p1/notes/built',
    publicKeys: [{ id: KEY_ID, pkixPublicKey: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }), signatureAlgorithm: 'ECDSA_P256_SHA256' } }],
  },
});
const dir = mkdtempSync(join(tmpdir(), 'live-bench-'));
mkdirSync(join(dir, 'services'));
for (let i = 0; i < SERVICES; i++) {
  const repo = `us-docker.pkg.dev/p1/apps/svc-${i}`;
  const digest = `sha256:${createHash('sha256').update(`image ${i}`).digest('hex')}`;
  const payload = createSignaturePayload(repo, digest);
  google.state.occurrences.push({
    name: `projects/p1/occurrences/${i}`,
    kind: 'ATTESTATION',
    noteName: 'projects/p1/notes/built',
    resourceUri: `${repo}@${digest}`,
    attestation: {
      serializedPayload: payload.toString('base64'),
      signatures: [{ publicKeyId: KEY_ID, signature: sign('sha256', payload, privateKey).toString('base64') }],
    },
  });
  writeFileSync(
    join(dir, 'services', `svc-${i}.yaml`),
    `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  annotations:\n    run.googleapis.com/binary-authorization: default\nspec:\n  template:\n    spec:\n      containers:\n      - image: ${repo}@${digest}\n`,
  );
}

const started = performance.now();
const run = await promisify(execFile)(
  process.execPath,
  [cli, 'check', '--project', 'p1', '--format', 'json', '--concurrency', String(CONCURRENCY), join(dir, 'services')],
  {
    env: { ...process.env, ...google.env(), METADATA_SERVER_DETECTION: 'none' },
    maxBuffer: 64 * 1024 * 1024,
  },
);
const wall = performance.now() - started;
await google.close();

const report = JSON.parse(run.stdout) as { verdict: string; workloads: { verdict: string }[] };
const requests = google.requests.length;
const sequential = requests * LATENCY_MS;
const ratio = wall / sequential;
const passed = report.workloads.filter((w) => w.verdict === 'pass').length;
const distinct = new Set(google.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`)).size;
console.log(
  `${SERVICES} services, ${LATENCY_MS} ms per answer: ${requests} requests (${distinct} distinct), ${(wall / 1000).toFixed(2)} s wall vs ${(sequential / 1000).toFixed(2)} s one after another = ${(ratio * 100).toFixed(0)}% (target < ${TARGET_RATIO * 100}%: ${ratio < TARGET_RATIO ? 'met' : 'MISSED'}); peak in flight ${google.inFlightPeak()} (bound ${CONCURRENCY}: ${google.inFlightPeak() <= CONCURRENCY ? 'met' : 'MISSED'}); ${passed}/${SERVICES} services pass, verdict ${report.verdict}`,
);
