// Hostile and broken answers, end to end: the built CLI as a subprocess against the loopback fakes,
// which hang, reset, drip, garble, loop and answer for other objects. Each run must end within
// --timeout plus one second (counted from the first request the fakes saw, so that the CLI's own
// start-up on a loaded machine is not counted) with exit 2 and an error naming the API, or give
// the correct verdict for the right reason. No attacker's policy, attestor or occurrence may pass.
import { after, afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSignaturePayload } from '../src/attestations/index.ts';
import { GARBLED_BODIES, startFakeGoogle, type FakeFault, type FakeGoogle, type RecordedRequest } from './helpers/fake-google.ts';
import { startFakeRegistry, type FakeRegistry, type FakeRegistryOptions } from './helpers/fake-registry.ts';
import { runCheckJson, runCliJson, type CheckReport } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';

const IMAGE = 'us-docker.pkg.dev/p1/r/web';
const DIGEST = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const OTHER_DIGEST = `sha256:${'e'.repeat(64)}`;
const ATTESTOR = 'projects/p1/attestors/a1';
const NOTE = 'projects/p1/notes/n1';
const KEY_VERSION = 'projects/p1/locations/global/keyRings/ring/cryptoKeys/a1/cryptoKeyVersions/1';
const KEY_ID = `//cloudkms.googleapis.com/v1/${KEY_VERSION}`;
const TIMEOUT_S = 2;

const isList = (r: RecordedRequest) => r.api === 'containeranalysis' && r.method === 'GET' && r.path.endsWith('/occurrences');
const isPolicy = (r: RecordedRequest) => r.path.endsWith('/policy');
const isAttestor = (r: RecordedRequest) => r.path.includes('/attestors/');

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };
const newKey = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

function attestorJson(name: string, note: string, key: KeyPair, keyId = KEY_ID): object {
  return {
    name,
    userOwnedGrafeasNote: {
      noteReference: note,
      publicKeys: [{ id: keyId, pkixPublicKey: { publicKeyPem: pem(key.publicKey), signatureAlgorithm: 'ECDSA_P256_SHA256' } }],
    },
  };
}

let serial = 0;
/** An occurrence as Container Analysis stores it, validly signed by `key` for IMAGE@digest. */
function occurrenceJson(note: string, digest: string, key: KeyPair, keyId = KEY_ID): object {
  const payload = createSignaturePayload(IMAGE, digest);
  const signature = sign('sha256', payload, { key: key.privateKey, dsaEncoding: 'der' });
  return {
    name: `projects/p1/occurrences/hostile-${++serial}`,
    kind: 'ATTESTATION',
    noteName: note,
    resourceUri: `${IMAGE}@${digest}`,
    attestation: { serializedPayload: payload.toString('base64url'), signatures: [{ publicKeyId: keyId, signature: signature.toString('base64url') }] },
  };
}

const POLICY = {
  name: 'projects/p1/policy',
  globalPolicyEvaluationMode: 'ENABLE',
  defaultAdmissionRule: { evaluationMode: 'REQUIRE_ATTESTATION', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', requireAttestationsBy: [ATTESTOR] },
};
const ATTACKER_POLICY = {
  globalPolicyEvaluationMode: 'ENABLE',
  defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
};

function manifest(image: string): string {
  return [
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    '  annotations:',
    '    run.googleapis.com/binary-authorization: default',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: app',
    `        image: ${image}`,
    '',
  ].join('\n');
}

function manifestsFor(image: string): string {
  const dir = tempDir(after, 'hostile-');
  writeFileSync(join(dir, 'web.yaml'), manifest(image));
  return dir;
}

interface Run {
  readonly code: number;
  readonly report: CheckReport;
  readonly text: string;
  /** From the first request either fake saw to the exit. */
  readonly sinceFirstRequestMs: number;
}

interface World {
  google: FakeGoogle;
  registry: FakeRegistry;
  key: KeyPair;
}

async function check(t: TestContext, world: World, extraArgs: string[], image = `${IMAGE}@${DIGEST}`): Promise<Run> {
  const mirrors = ['us-docker.pkg.dev', 'registry.example.com'].flatMap((host) => ['--registry-mirror', `${host}=${world.registry.url}`]);
  const args = ['--project', 'p1', '--timeout', String(TIMEOUT_S), ...mirrors, ...extraArgs, manifestsFor(image)];
  const run = await runCheckJson(args, { env: world.google.env(), timeoutMs: 20_000 });
  const ended = Date.now();
  const first = Math.min(...world.google.requests.map((r) => r.at), ...world.registry.requests.map((r) => r.at));
  const sinceFirstRequestMs = ended - first;
  t.diagnostic(
    `exit ${run.code} after ${sinceFirstRequestMs} ms from the first request; ${world.google.requests.length} Google and ${world.registry.requests.length} registry requests`,
  );
  return { code: run.code, report: run.report, text: `${run.stdout}\n${run.stderr}`, sinceFirstRequestMs };
}

function assertWithinDeadline(run: Run): void {
  assert.ok(
    run.sinceFirstRequestMs < TIMEOUT_S * 1000 + 1000,
    `ended ${run.sinceFirstRequestMs} ms after the first request, past --timeout ${TIMEOUT_S} s + 1 s`,
  );
}

/** Exit 2, never a pass, and the error names the API and what was wrong. */
function assertCouldNotDecide(run: Run, naming: RegExp): void {
  assert.equal(run.code, 2, run.text);
  assert.equal(run.report.verdict, 'error');
  assert.ok(
    run.report.workloads.every((w) => w.verdict !== 'pass'),
    'no workload passes',
  );
  assert.match(JSON.stringify(run.report), naming);
}

async function startWorld(registryOptions: FakeRegistryOptions = {}): Promise<World> {
  const google = await startFakeGoogle();
  const registry = await startFakeRegistry(registryOptions);
  const key = newKey();
  google.state.policies.set('projects/p1', POLICY);
  google.state.attestors.set(ATTESTOR, attestorJson(ATTESTOR, NOTE, key));
  return { google, registry, key };
}

describe('hostile Google answers, through the built CLI', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => {
    await world.google.close();
    await world.registry.close();
  });
  const inject = (fault: FakeFault) => world.google.inject(fault);

  it('passes with a valid attestation (the control the hostile cases differ from)', async (t) => {
    world.google.state.occurrences.push(occurrenceJson(NOTE, DIGEST, world.key));
    const run = await check(t, world, []);
    assert.equal(run.code, 0, run.text);
    assert.equal(run.report.workloads[0]?.containers[0]?.reason, 'attested');
  });

  it("never uses another project's ALWAYS_ALLOW policy (projects/evil/policy)", async (t) => {
    world.google.state.policies.set('projects/p1', { ...ATTACKER_POLICY, name: 'projects/evil/policy' });
    const run = await check(t, world, []);
    assertCouldNotDecide(
      run,
      /Binary Authorization: failed to get policy projects\/p1\/policy: the answer \(HTTP 200\) is the policy projects\/evil\/policy, not projects\/p1\/policy/,
    );
    assert.equal(run.report.policy.defaultRule, null, 'the attacker policy was not read');
  });

  it('never uses a policy named by a project number that was not asked for, and says how to ask by number', async (t) => {
    world.google.state.policies.set('projects/p1', { ...ATTACKER_POLICY, name: 'projects/123456789/policy' });
    const run = await check(t, world, []);
    assertCouldNotDecide(
      run,
      /is the policy projects\/123456789\/policy, not projects\/p1\/policy.*if 123456789 is the number of project p1, ask for the project by that number/,
    );
  });

  it('uses a policy asked for by project number when Google names it by that number', async () => {
    world.google.state.policies.set('projects/123456789', { ...POLICY, name: 'projects/123456789/policy' });
    world.google.state.occurrences.push(occurrenceJson(NOTE, DIGEST, world.key));
    const args = ['--project', '123456789', '--timeout', String(TIMEOUT_S), manifestsFor(`${IMAGE}@${DIGEST}`)];
    const run = await runCheckJson(args, { env: world.google.env() });
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.report.policy.source, 'projects/123456789/policy');
  });

  it('never uses an answer for another attestor carrying another key', async (t) => {
    const attacker = newKey();
    world.google.state.attestors.set(ATTESTOR, attestorJson('projects/p1/attestors/evil', 'projects/evil/notes/n', attacker));
    world.google.state.occurrences.push(occurrenceJson('projects/evil/notes/n', DIGEST, attacker));
    const run = await check(t, world, []);
    assertCouldNotDecide(
      run,
      /Binary Authorization: failed to get attestor projects\/p1\/attestors\/a1: the answer \(HTTP 200\) is the attestor projects\/p1\/attestors\/evil, not projects\/p1\/attestors\/a1/,
    );
    assert.equal(world.google.requests.filter(isList).length, 0, "the attacker's note was never listed");
  });

  it('ignores occurrences on another note or for another digest, reports them, and does not pass', async (t) => {
    // Both are validly signed by the attestor's own key: only where they are filed is wrong.
    const onOtherNote = occurrenceJson('projects/p1/notes/other', DIGEST, world.key);
    const forOtherDigest = occurrenceJson(NOTE, OTHER_DIGEST, world.key);
    inject({ match: isList, count: 10, rewrite: (body) => ({ ...(body as object), occurrences: [onOtherNote, forOtherDigest] }) });
    const run = await check(t, world, []);
    assert.equal(run.code, 1, run.text);
    const container = run.report.workloads[0]?.containers[0];
    assert.equal(container?.decision, 'deny');
    assert.match(
      container?.detail ?? '',
      /Container Analysis answered 2 occurrence\(s\) that were not asked for, ignored: .*is on note projects\/p1\/notes\/other, not projects\/p1\/notes\/n1; .*is for us-docker\.pkg\.dev\/p1\/r\/web@sha256:e{64}, not an image @sha256:7692/,
    );
  });

  it('still passes on the valid occurrence when the answer also holds foreign ones, and reports them', async (t) => {
    const valid = occurrenceJson(NOTE, DIGEST, world.key);
    const foreign = occurrenceJson('projects/evil/notes/n', DIGEST, world.key);
    inject({ match: isList, count: 10, rewrite: () => ({ occurrences: [foreign, valid] }) });
    const run = await check(t, world, []);
    assert.equal(run.code, 0, run.text);
    const container = run.report.workloads[0]?.containers[0];
    assert.equal(container?.reason, 'attested');
    assert.match(
      JSON.stringify(container),
      /occurrence projects\/p1\/occurrences\/hostile-\d+.*1 occurrence\(s\) that were not asked for, ignored: .*on note projects\/evil\/notes\/n/,
    );
  });

  for (const [what, raw] of Object.entries(GARBLED_BODIES)) {
    it(`a 200 list answer that is ${what} is an error, never "no attestations"`, async (t) => {
      inject({ match: isList, count: 100, raw });
      const run = await check(t, world, []);
      assertCouldNotDecide(
        run,
        /Container Analysis: failed to list attestations on projects\/p1\/notes\/n1 for sha256:7692[0-9a-f]+: the answer \(HTTP 200\) is not the documented ListNoteOccurrencesResponse object/,
      );
      assert.equal(run.report.workloads[0]?.containers[0]?.reason, 'attestation-unavailable');
    });
  }

  for (const [what, body] of Object.entries({
    'occurrences that are not a list': { occurrences: { name: 'x' } },
    'an occurrence that is not an object': { occurrences: ['x'] },
    'a page token that is not a string': { occurrences: [], nextPageToken: 7 },
  })) {
    it(`a list answer with ${what} is an error`, async (t) => {
      inject({ match: isList, count: 100, raw: { body: JSON.stringify(body) } });
      const run = await check(t, world, []);
      assertCouldNotDecide(run, /Container Analysis: failed to list attestations on projects\/p1\/notes\/n1 .*the answer \(HTTP 200\) has/);
    });
  }

  it('a garbled policy answer is an error naming Binary Authorization', async (t) => {
    inject({ match: isPolicy, count: 100, raw: GARBLED_BODIES['an HTML page'] as NonNullable<FakeFault['raw']> });
    const run = await check(t, world, []);
    assertCouldNotDecide(
      run,
      /Binary Authorization: failed to get policy projects\/p1\/policy: the answer \(HTTP 200\) is not the documented Policy object: it is an HTML \(or XML\) page/,
    );
  });

  it('a garbled attestor answer is an error naming Binary Authorization', async (t) => {
    inject({ match: isAttestor, count: 100, raw: GARBLED_BODIES['truncated JSON'] as NonNullable<FakeFault['raw']> });
    const run = await check(t, world, []);
    assertCouldNotDecide(
      run,
      /Binary Authorization: failed to get attestor projects\/p1\/attestors\/a1: the answer \(HTTP 200\) is not the documented Attestor object: it is text that is not a JSON object/,
    );
  });

  it('a page token that comes back again ends the list as an error, at once', async (t) => {
    inject({ match: isList, count: 10_000, raw: { body: JSON.stringify({ nextPageToken: 'again' }) } });
    const run = await check(t, world, []);
    assertCouldNotDecide(run, /Container Analysis: .* repeats a page token it gave before, so the list would never end/);
    assert.equal(world.google.requests.filter(isList).length, 2, 'the first page and the page the token named, then no more');
    assert.ok(run.sinceFirstRequestMs < 1000 + 1000, `ended ${run.sinceFirstRequestMs} ms after the first request`);
  });

  it('a list that never ends (a new token on every page, answered at once) stops at 100 pages', async (t) => {
    let page = 0;
    inject({ match: isList, count: 10_000, raw: () => ({ body: JSON.stringify({ nextPageToken: `page-${++page}` }) }) });
    const run = await check(t, world, []);
    assertCouldNotDecide(run, /Container Analysis: .* asks for a page beyond 100 pages/);
    assert.equal(world.google.requests.filter(isList).length, 100);
    assertWithinDeadline(run);
  });

  it('a list longer than 1,000 items is an error', async (t) => {
    const filler = { name: 'projects/p1/occurrences/filler', kind: 'ATTESTATION', noteName: NOTE, resourceUri: `${IMAGE}@${DIGEST}`, attestation: {} };
    let page = 0;
    const body = (next: string) => JSON.stringify({ occurrences: Array.from({ length: 100 }, () => filler), nextPageToken: next });
    inject({ match: isList, count: 100, raw: () => ({ body: body(`page-${++page}`) }) });
    const run = await check(t, world, []);
    assertCouldNotDecide(run, /Container Analysis: .* makes the list longer than 1000 items/);
    assert.equal(world.google.requests.filter(isList).length, 11);
  });

  it('an answer body over 8 MiB is an error, not read to its end', async (t) => {
    inject({ match: isPolicy, count: 100, raw: { body: `{"name": "projects/p1/policy", "etag": "${'x'.repeat(9 * 1024 * 1024)}"}` } });
    const run = await check(t, world, []);
    assertCouldNotDecide(run, /Binary Authorization: failed to get policy projects\/p1\/policy: the answer is larger than binauthz-gate reads/);
    assert.equal(world.google.requests.filter(isPolicy).length, 1, 'not retried');
  });

  for (const [what, fault] of Object.entries({
    'a hung policy call': { match: isPolicy, count: 1000, hang: true },
    'a policy body that drips forever': { match: isPolicy, count: 1000, dripMs: 100 },
    'a hung attestor call': { match: isAttestor, count: 1000, hang: true },
    'a list body that drips forever': { match: isList, count: 1000, dripMs: 50 },
    'a connection reset on every list call': { match: isList, count: 100_000, reset: true },
  } satisfies Record<string, FakeFault>)) {
    it(`${what} ends within --timeout + 1 s with exit 2 naming the API`, async (t) => {
      inject(fault);
      const run = await check(t, world, []);
      const api = fault.match === isList ? 'Container Analysis' : 'Binary Authorization';
      assertCouldNotDecide(run, new RegExp(`${api}: failed to [^"]*(no answer within the time limit|no answer \\()`));
      assertWithinDeadline(run);
    });
  }
});

describe('hostile Google answers to attest, through the built CLI', () => {
  let world: World;
  const KMS_KEY_VERSION = KEY_VERSION;
  beforeEach(async () => {
    world = await startWorld();
    const kms = newKey();
    world.google.state.kmsKeys.set(KMS_KEY_VERSION, { privateKey: kms.privateKey, algorithm: 'EC_SIGN_P256_SHA256' });
    world.google.state.attestors.set(ATTESTOR, attestorJson(ATTESTOR, NOTE, kms));
    // The digest exists in its registry: attest checks that before anything else.
    world.registry.setTag('p1/r/web', 'built', DIGEST);
  });
  afterEach(async () => {
    await world.google.close();
    await world.registry.close();
  });

  const attest = () =>
    runCliJson<{ attestations: unknown[]; errors: { message: string }[] }>(
      [
        'attest',
        '--attestor',
        ATTESTOR,
        '--kms-key-version',
        KMS_KEY_VERSION,
        '--format',
        'json',
        '--timeout',
        String(TIMEOUT_S),
        '--registry-mirror',
        `us-docker.pkg.dev=${world.registry.url}`,
        `${IMAGE}@${DIGEST}`,
      ],
      { env: world.google.env() },
    );
  const creations = () => world.google.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/occurrences'));

  for (const [what, raw] of Object.entries(GARBLED_BODIES)) {
    it(`creates nothing when the existing-attestation list is ${what}`, async () => {
      world.google.inject({ match: isList, count: 100, raw });
      const run = await attest();
      assert.notEqual(run.code, 0, run.stdout);
      assert.deepEqual(run.report.attestations, []);
      assert.match(
        run.report.errors[0]?.message ?? '',
        /Container Analysis: failed to list attestations .*is not the documented ListNoteOccurrencesResponse object/,
      );
      assert.deepEqual(creations(), [], 'no occurrence was created');
    });
  }

  it('creates nothing when the attestor answer is another attestor', async () => {
    world.google.state.attestors.set(ATTESTOR, attestorJson('projects/p1/attestors/evil', 'projects/evil/notes/n', newKey()));
    const run = await attest();
    assert.notEqual(run.code, 0, run.stdout);
    assert.match(run.report.errors[0]?.message ?? '', /is the attestor projects\/p1\/attestors\/evil, not projects\/p1\/attestors\/a1/);
    assert.deepEqual(creations(), []);
  });

  it('creates nothing when the list loops on its page token', async () => {
    world.google.inject({ match: isList, count: 10_000, raw: { body: JSON.stringify({ nextPageToken: 'again' }) } });
    const run = await attest();
    assert.notEqual(run.code, 0, run.stdout);
    assert.match(run.report.errors[0]?.message ?? '', /repeats a page token/);
    assert.deepEqual(creations(), []);
  });
});

describe('hostile registry answers, through the built CLI', () => {
  let world: World;
  afterEach(async () => {
    await world.google.close();
    await world.registry.close();
  });
  // Not a Google host, so no Google token goes to it and the anonymous token flow can be tried.
  const tagged = 'registry.example.com/team/web:v1';
  const naming = (rest: string) => new RegExp(`tag v1 of registry\\.example\\.com/team/web${rest}`);

  const cases: Record<string, { options: FakeRegistryOptions; naming: RegExp }> = {
    'a hung manifest HEAD': {
      options: { fault: (r) => (r.method === 'HEAD' ? { status: 200, hostile: { kind: 'hang' } } : null) },
      naming: naming('.*(time limit|no answer)'),
    },
    'a reset on every request': { options: { fault: () => ({ status: 200, hostile: { kind: 'reset' } }) }, naming: naming('') },
    'a manifest GET body that drips forever': {
      options: { omitDigestHeader: true, fault: (r) => (r.method === 'GET' ? { status: 200, hostile: { kind: 'drip', ms: 50 } } : null) },
      naming: naming(''),
    },
    'a manifest GET body of 64 MiB': {
      options: { omitDigestHeader: true, fault: (r) => (r.method === 'GET' ? { status: 200, hostile: { kind: 'endless', bytes: 64 * 1024 * 1024 } } : null) },
      naming:
        /answered HTTP 200 with a body over 4194304 bytes, more than binauthz-gate reads, so tag v1 of registry\.example\.com\/team\/web was not resolved/,
    },
    'a token answer of 64 MiB': {
      options: {
        auth: 'bearer-anonymous',
        fault: (r) => (r.path.startsWith('/token') ? { status: 200, hostile: { kind: 'endless', bytes: 64 * 1024 * 1024 } } : null),
      },
      naming: /anonymous pull token for tag v1 of registry\.example\.com\/team\/web.*body over 1048576 bytes/,
    },
    'a token service that hangs': {
      options: { auth: 'bearer-anonymous', fault: (r) => (r.path.startsWith('/token') ? { status: 200, hostile: { kind: 'hang' } } : null) },
      naming: naming(''),
    },
  };

  for (const [what, { options, naming }] of Object.entries(cases)) {
    it(`${what} ends within --timeout + 1 s with exit 2 naming the tag`, async (t) => {
      world = await startWorld(options);
      world.registry.setTag('team/web', 'v1', DIGEST);
      const run = await check(t, world, [], tagged);
      assert.equal(run.code, 2, run.text);
      const container = run.report.workloads[0]?.containers[0];
      assert.equal(container?.decision, 'error');
      assert.match(JSON.stringify(run.report), naming);
      assertWithinDeadline(run);
    });
  }
});
