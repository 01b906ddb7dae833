// Live mode end to end: the built CLI as a subprocess against loopback stand-ins of Binary
// Authorization, Container Analysis and a registry (127.0.0.1 only), via gcloud's endpoint
// override variables. Every conformance case must give the same report live as offline.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startFakeGoogle, type FakeGoogle, type RecordedRequest } from './helpers/fake-google.ts';
import { startFakeRegistry, type FakeRegistry } from './helpers/fake-registry.ts';
import { runCheckJson, type CheckReport } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const CASES = new URL('./fixtures/conformance/', import.meta.url);
/** Every registry host the cases name, so that no request can leave this machine. */
const REGISTRY_HOSTS = [
  'us-docker.pkg.dev',
  'gcr.io',
  'us-central1-docker.pkg.dev',
  'us-east1-docker.pkg.dev',
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
];

interface Case {
  id: string;
  policy_format: 'yaml' | 'json';
  policy: Record<string, unknown>;
  attestors?: Record<string, unknown>[];
  attestations?: object[];
  manifests: Record<string, string>;
  expect: { exit: number; verdict: string };
}

const cases = readdirSync(CASES)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => parse(readFileSync(new URL(name, CASES), 'utf8')) as Case);

function writeCase(testCase: Case): { dir: string; manifests: string } {
  const dir = tempDir(after, `live-${testCase.id}-`);
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  for (const [name, content] of Object.entries(testCase.manifests)) writeFileSync(join(manifests, name), content);
  writeFileSync(join(dir, 'policy.yaml'), stringify(testCase.policy));
  if (testCase.attestors) writeFileSync(join(dir, 'attestors.json'), JSON.stringify(testCase.attestors));
  if (testCase.attestations) writeFileSync(join(dir, 'attestations.json'), JSON.stringify(testCase.attestations));
  return { dir, manifests };
}

function serve(google: FakeGoogle, testCase: Case): void {
  google.state.policies.clear();
  google.state.attestors.clear();
  google.state.occurrences.length = 0;
  google.requests.length = 0;
  google.state.policies.set('projects/p1', testCase.policy);
  for (const attestor of testCase.attestors ?? []) google.state.attestors.set(String(attestor['name']), attestor);
  google.state.occurrences.push(...(testCase.attestations ?? []));
}

function mirrorArgs(registry: FakeRegistry): string[] {
  return REGISTRY_HOSTS.flatMap((host) => ['--registry-mirror', `${host}=${registry.url}`]);
}

function runJson(args: string[], env: Record<string, string>) {
  return runCheckJson(args, { env });
}

/** The parts of a report that must not depend on where the policy and evidence came from. */
function comparable(report: CheckReport) {
  return {
    verdict: report.verdict,
    workloads: report.workloads.map((w) => ({
      kind: w.kind,
      name: w.name,
      enforcement: w.enforcement,
      verdict: w.verdict,
      containers: w.containers.map((c) => ({ image: c.image, decision: c.decision, reason: c.reason, digest: c.digest })),
    })),
    errors: report.errors.length,
  };
}

function assertAskedOnce(requests: readonly RecordedRequest[]): void {
  const seen = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${r.path} ${JSON.stringify(r.query)} ${r.body}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, count]) => count > 1);
  assert.deepEqual(twice, [], 'no question is asked twice');
}

describe('live mode against loopback Google and registry', () => {
  let google: FakeGoogle;
  let registry: FakeRegistry;
  before(async () => {
    google = await startFakeGoogle();
    registry = await startFakeRegistry();
  });
  after(async () => {
    await google.close();
    await registry.close();
  });

  for (const testCase of cases) {
    it(`${testCase.id}: the same report live as offline`, async () => {
      const { dir, manifests } = writeCase(testCase);
      const offlineArgs = ['--policy-file', join(dir, 'policy.yaml')];
      if (testCase.attestors) offlineArgs.push('--attestors', join(dir, 'attestors.json'));
      if (testCase.attestations) offlineArgs.push('--attestations', join(dir, 'attestations.json'));
      const offline = await runJson([...offlineArgs, manifests], {});
      serve(google, testCase);
      const live = await runJson(['--project', 'p1', ...mirrorArgs(registry), manifests], google.env());
      assert.equal(live.stderr, '');
      assert.equal(live.code, testCase.expect.exit, JSON.stringify(live.report.errors));
      assert.equal(live.code, offline.code);
      assert.deepEqual(comparable(live.report), comparable(offline.report));
      assert.equal(live.report.policy.source, 'projects/p1/policy');
      assertAskedOnce(google.requests);
    });
  }
});

describe('live mode under faults, deadlines and tags', () => {
  let google: FakeGoogle;
  let registry: FakeRegistry;
  const attested = cases.find((c) => c.id === 'attestation-valid-gcloud-style') as Case;
  // A fresh pair for each test, so that one test's injected faults cannot reach the next.
  beforeEach(async () => {
    google = await startFakeGoogle();
    registry = await startFakeRegistry();
  });
  afterEach(async () => {
    await google.close();
    await registry.close();
  });

  it('retries injected 429 and 503 answers and still agrees', async () => {
    const { manifests } = writeCase(attested);
    serve(google, attested);
    google.inject({ count: 2, status: 429, retryAfterSeconds: 0 });
    google.inject({ match: (r) => r.api === 'containeranalysis', count: 1, status: 503 });
    const { code, report } = await runJson(['--project', 'p1', manifests], google.env());
    assert.equal(code, 0, JSON.stringify(report.errors));
    assert.equal(report.workloads[0]?.containers[0]?.reason, 'attested');
    const failed = google.requests.filter((r) => r.api !== 'unknown').length;
    assert.ok(failed >= 6, `the failed attempts were retried (${failed} requests)`);
  });

  it('fails closed past the deadline, naming the API, without the token', async () => {
    const { manifests } = writeCase(attested);
    serve(google, attested);
    google.inject({ match: (r) => r.api === 'containeranalysis', count: 1000, hang: true });
    const started = Date.now();
    const { code, report, stdout } = await runJson(['--project', 'p1', '--timeout', '2', manifests], google.env());
    assert.ok(Date.now() - started < 8000, 'the deadline holds');
    assert.equal(code, 2);
    const container = report.workloads[0]?.containers[0];
    assert.deepEqual([container?.decision, container?.reason], ['error', 'attestation-unavailable']);
    assert.match(container?.detail ?? '', /Container Analysis: failed to list attestations on projects\/p1\/notes\/a1-note .*no answer within the time limit/);
    assert.ok(!stdout.includes(google.env()['CLOUDSDK_AUTH_ACCESS_TOKEN'] as string), 'no token in the output');
  });

  it('names the missing role when Google says 403', async () => {
    const { manifests } = writeCase(attested);
    serve(google, attested);
    google.inject({ match: (r) => r.path.endsWith('/policy'), count: 1, status: 403 });
    const { code, report } = await runJson(['--project', 'p1', manifests], google.env());
    assert.equal(code, 2);
    assert.match(report.errors[0]?.message ?? '', /HTTP 403, permission denied: the caller needs roles\/binaryauthorization\.policyViewer/);
  });

  it('resolves a tag through the registry, evaluates that digest and says the tag can move', async () => {
    const digest = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
    const tagged: Case = { ...attested, manifests: { 'web.yaml': (attested.manifests['web.yaml'] as string).replace(`@${digest}`, ':v1') } };
    const { manifests } = writeCase(tagged);
    serve(google, tagged);
    registry.setTag('p1/r/web', 'v1', digest);
    const { code, report } = await runJson(['--project', 'p1', ...mirrorArgs(registry), manifests], google.env());
    const container = report.workloads[0]?.containers[0];
    assert.equal(code, 0, JSON.stringify(container));
    assert.deepEqual([container?.image, container?.reason, container?.digest], ['us-docker.pkg.dev/p1/r/web:v1', 'attested', digest]);
    assert.match(container?.detail ?? '', /Tag v1 resolved to sha256:7692.* a later push can move it/);
    assert.ok(registry.requests.some((r) => r.method === 'HEAD' && r.path === '/v2/p1/r/web/manifests/v1'));
    const offline = await runJson(['--project', 'p1', '--no-resolve-tags', manifests], google.env());
    assert.equal(offline.report.workloads[0]?.containers[0]?.reason, 'unresolved-tag');
  });

  it('combines a policy file with live attestors and attestations', async () => {
    const { dir, manifests } = writeCase(attested);
    serve(google, attested);
    google.state.policies.clear();
    const { code, report } = await runJson(['--policy-file', join(dir, 'policy.yaml'), '--attestations', 'live', manifests], google.env());
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.workloads[0]?.containers[0]?.reason, 'attested');
    assert.ok(!google.requests.some((r) => r.path.endsWith('/policy')), 'the policy came from the file');
  });
});

describe('live mode with Application Default Credentials', () => {
  let google: FakeGoogle;
  let tokenServer: Server;
  let tokenRequests: string[];
  let tokenUrl: string;
  const ISSUED = 'issued-by-loopback-token-endpoint';

  beforeEach(async () => {
    google = await startFakeGoogle({ requireToken: ISSUED });
    tokenRequests = [];
    tokenServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        tokenRequests.push(body);
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({ access_token: ISSUED, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 }),
        );
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  });
  afterEach(async () => {
    await google.close();
    await new Promise((resolve) => tokenServer.close(resolve));
  });

  async function checkWith(credentials: object): Promise<number> {
    const dir = tempDir(after, 'adc-');
    writeFileSync(join(dir, 'oidc-token'), 'a-github-oidc-jwt');
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify(credentials).replace('SUBJECT_TOKEN_FILE', join(dir, 'oidc-token')));
    const { CLOUDSDK_AUTH_ACCESS_TOKEN: _none, ...endpoints } = google.env();
    const service = cases.find((c) => c.id === 'rule-always-allow') as Case;
    const { manifests } = writeCase(service);
    const { code, report } = await runJson(['--project', 'p1', manifests], { ...endpoints, GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'credentials.json') });
    assert.deepEqual(report.errors, []);
    return code;
  }

  it('exchanges the external_account file google-github-actions/auth writes (Workload Identity Federation)', async () => {
    const code = await checkWith({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/repo',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: tokenUrl,
      credential_source: { file: 'SUBJECT_TOKEN_FILE' },
    });
    assert.equal(code, 0);
    assert.match(tokenRequests[0] ?? '', /grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange/);
    assert.match(tokenRequests[0] ?? '', /subject_token=a-github-oidc-jwt/);
    assert.ok(google.requests.every((r) => r.headers['authorization'] === 'Bearer <redacted>'));
  });
});
