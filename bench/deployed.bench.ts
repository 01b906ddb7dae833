// What is deployed now, at scale: 200 services over three regions (and their empty job lists),
// every Cloud Run and Binary Authorization answer delayed 150 ms by the loopback stand-ins.
// Counts the list calls (exactly one per region, kind and page, or this exits 1) and prints the
// wall time against the same calls one after another.
//   node bench/deployed.bench.ts
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deployedService, startFakeCloudRun } from '../test/helpers/fake-cloud-run.ts';
import { startFakeGoogle } from '../test/helpers/fake-google.ts';

const LATENCY_MS = 150;
const PAGE_SIZE = 20;
const CONCURRENCY = 8;
const REGIONS = { 'us-central1': 90, 'europe-west1': 70, 'asia-east1': 40 } as const;
const SERVICES = Object.values(REGIONS).reduce((sum, n) => sum + n, 0);
const IMAGE = `us-docker.pkg.dev/p1/good/app@sha256:${'c'.repeat(64)}`;
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const google = await startFakeGoogle({ latencyMs: LATENCY_MS });
google.state.policies.set('projects/p1', {
  name: 'projects/p1/policy',
  admissionWhitelistPatterns: [{ namePattern: 'us-docker.pkg.dev/p1/good/*' }],
  defaultAdmissionRule: { evaluationMode: 'ALWAYS_DENY', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
});
const cloudRun = await startFakeCloudRun({ latencyMs: LATENCY_MS, pageSize: PAGE_SIZE });
for (const [region, count] of Object.entries(REGIONS)) {
  cloudRun.state.services.set(
    `projects/p1/locations/${region}`,
    Array.from({ length: count }, (_, i) => deployedService('p1', region, `svc-${region}-${i}`, [IMAGE], { useDefault: true })),
  );
}
// Services need ceil(n / page) pages; each region's (empty) job list is one.
const expectedCalls = Object.values(REGIONS).reduce((sum, n) => sum + Math.max(1, Math.ceil(n / PAGE_SIZE)) + 1, 0);

// Node's start and the CLI's load, measured apart so the figure for the calls can be read alone.
const startupStarted = performance.now();
await promisify(execFile)(process.execPath, [cli, '--version']);
const startup = performance.now() - startupStarted;

const regionArgs = Object.keys(REGIONS).flatMap((region) => ['--region', region]);
const started = performance.now();
const run = await promisify(execFile)(
  process.execPath,
  [cli, 'check', '--project', 'p1', '--format', 'json', '--concurrency', String(CONCURRENCY), '--deployed', ...regionArgs],
  {
    env: { ...process.env, ...google.env(), CLOUDSDK_API_ENDPOINT_OVERRIDES_RUN: cloudRun.url, METADATA_SERVER_DETECTION: 'none' },
    maxBuffer: 64 * 1024 * 1024,
  },
).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code }));
const wall = performance.now() - started;
await Promise.all([google.close(), cloudRun.close()]);

const report = JSON.parse(run.stdout) as { verdict: string; workloads: { verdict: string }[]; errors: unknown[] };
const calls = cloudRun.requests.length;
const distinct = new Set(cloudRun.requests.map((r) => `${r.path} ${r.query['pageToken'] ?? ''}`)).size;
const allRequests = calls + google.requests.length;
const sequential = allRequests * LATENCY_MS;
const passed = report.workloads.filter((w) => w.verdict === 'pass').length;
console.log(
  `${SERVICES} deployed services over ${Object.keys(REGIONS).length} regions, ${LATENCY_MS} ms per answer: ${calls} Cloud Run list calls (${distinct} distinct, expected ${expectedCalls}: one per region, kind and page) + ${google.requests.length} Binary Authorization; ${(wall / 1000).toFixed(2)} s wall (${(startup / 1000).toFixed(2)} s of it starting the CLI) vs ${(sequential / 1000).toFixed(2)} s one after another = ${((wall / sequential) * 100).toFixed(0)}%; peak in flight ${cloudRun.peakInFlight()} (bound ${CONCURRENCY}); ${passed}/${SERVICES} pass, verdict ${report.verdict}, ${report.errors.length} error(s)`,
);
if (calls !== expectedCalls || distinct !== calls || report.workloads.length !== SERVICES) {
  console.error(`MISSED: ${calls} list calls (${distinct} distinct) for ${expectedCalls} expected; ${report.workloads.length}/${SERVICES} workloads evaluated`);
  process.exit(1);
}
