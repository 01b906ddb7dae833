// Every fix works: for each conformance case and each corpus manifest (under several policies), take
// every fix of every workload and container that does not pass, apply it mechanically to a copy of the
// inputs, run the check again (in-process, from files) and assert that the cause it addressed is gone
// and that no new error appeared. `attest` fixes are satisfied with a real attestation signed by a test
// key that is added to the attestor; `use-registry` fixes (a hint, not an edit) are checked for shape only.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp.ts';
import { isMap, isScalar, LineCounter, parse, parseAllDocuments, stringify, visit, type Document } from 'yaml';
import { runCheck } from '../src/run/check.ts';
import type { Report } from '../src/report/report.ts';
import type { Fix } from '../src/policy/fix.ts';
import type { ContainerResult } from '../src/policy/decision.ts';
import type { WorkloadResult } from '../src/policy/evaluate.ts';

const CASES = fileURLToPath(new URL('./fixtures/conformance/', import.meta.url));
const CORPUS = fileURLToPath(new URL('./fixtures/corpus/', import.meta.url));
const FAKE_DIGEST = `sha256:${'f0'.repeat(32)}`;
const TEST_KEY_ID = 'round-trip-test-key';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** One run's inputs, in a folder of its own: the policy, optional evidence files, and a manifests folder. */
interface Inputs {
  readonly dir: string;
  readonly policyFile: string;
  readonly attestorsFile: string;
  readonly attestationsFile: string;
}

function freshDir(label: string): string {
  return tempDir(after, `fix-round-trip-${label}-`);
}

function inputsIn(dir: string, policyName: string): Inputs {
  return { dir, policyFile: join(dir, policyName), attestorsFile: join(dir, 'attestors.json'), attestationsFile: join(dir, 'attestations.json') };
}

function copyInputs(from: Inputs, label: string): Inputs {
  const dir = freshDir(label);
  cpSync(from.dir, dir, { recursive: true });
  return inputsIn(dir, from.policyFile.slice(from.dir.length + 1));
}

async function check(inputs: Inputs): Promise<Report> {
  const files = existsSync(inputs.attestorsFile) || existsSync(inputs.attestationsFile);
  return runCheck(
    {
      policy: { from: 'file', path: inputs.policyFile },
      attestations: files
        ? {
            from: 'files',
            attestorsFile: existsSync(inputs.attestorsFile) ? inputs.attestorsFile : null,
            attestationsFile: existsSync(inputs.attestationsFile) ? inputs.attestationsFile : null,
          }
        : { from: 'none' },
      paths: [join(inputs.dir, 'manifests')],
      files: { workingFolder: inputs.dir, paths: 'named' },
      allowEmpty: false,
      requireEnforcement: true,
      maxFileBytes: 4 * 1024 * 1024,
    },
    null,
  );
}

interface Case {
  id: string;
  policy_format: 'yaml' | 'json';
  policy: unknown;
  attestors?: unknown[];
  attestations?: unknown[];
  manifests: Record<string, string>;
}

function materializeCase(testCase: Case): Inputs {
  const inputs = inputsIn(freshDir(testCase.id), `policy.${testCase.policy_format}`);
  writeFileSync(inputs.policyFile, testCase.policy_format === 'json' ? JSON.stringify(testCase.policy, null, 2) : stringify(testCase.policy));
  if (testCase.attestors) writeFileSync(inputs.attestorsFile, JSON.stringify(testCase.attestors, null, 2));
  if (testCase.attestations) writeFileSync(inputs.attestationsFile, JSON.stringify(testCase.attestations, null, 2));
  mkdirSync(join(inputs.dir, 'manifests'));
  for (const [name, content] of Object.entries(testCase.manifests)) writeFileSync(join(inputs.dir, 'manifests', name), content);
  return inputs;
}

function materializeCorpus(manifest: string, policy: string): Inputs {
  const inputs = inputsIn(freshDir('corpus'), `policy${policy.slice(policy.lastIndexOf('.'))}`);
  cpSync(policy, inputs.policyFile);
  mkdirSync(join(inputs.dir, 'manifests'));
  // The CLI reads *.yaml, *.yml and *.json; templates (.tpl, .template) are given as .yaml.
  const name = manifest.slice(manifest.lastIndexOf('/') + 1).replace(/\.(tpl|template)$/, '');
  cpSync(manifest, join(inputs.dir, 'manifests', /\.(ya?ml|json)$/.test(name) ? name : `${name}.yaml`));
  return inputs;
}

// ---- applying fixes ------------------------------------------------------------------------------

function manifestPath(inputs: Inputs, reportFile: string): string {
  const name = reportFile.slice(reportFile.lastIndexOf('/') + 1);
  return join(inputs.dir, 'manifests', name);
}

/** Edits the YAML document that starts at the workload's line, keeping the file's other documents. */
function editWorkload(inputs: Inputs, workload: WorkloadResult, edit: (doc: Document) => void): void {
  const path = manifestPath(inputs, workload.file);
  const text = readFileSync(path, 'utf8');
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  assert.ok(Array.isArray(docs), 'the manifest parses');
  const doc = docs.find((d) => d.contents?.range && lineCounter.linePos(d.contents.range[0]).line === workload.line);
  assert.ok(doc, `a document starts at ${workload.file}:${workload.line}`);
  edit(doc);
  // A .json manifest must stay strict JSON (the reader refuses YAML in a .json file).
  const json = path.endsWith('.json') && docs.length === 1;
  writeFileSync(path, json ? JSON.stringify(doc.toJS(), null, 2) : docs.map((d) => d.toString()).join('---\n'));
}

function addPatterns(inputs: Inputs, patterns: readonly string[]): void {
  const isJson = inputs.policyFile.endsWith('.json');
  const policy = parse(readFileSync(inputs.policyFile, 'utf8')) as Record<string, unknown>;
  // Config Connector wraps the policy body in spec.
  const body = (policy['kind'] === 'BinaryAuthorizationPolicy' ? policy['spec'] : policy) as Record<string, unknown>;
  const list = Array.isArray(body['admissionWhitelistPatterns']) ? (body['admissionWhitelistPatterns'] as unknown[]) : [];
  body['admissionWhitelistPatterns'] = [...list, ...patterns.map((namePattern) => ({ namePattern }))];
  writeFileSync(inputs.policyFile, isJson ? JSON.stringify(policy, null, 2) : stringify(policy));
}

function pinDigest(inputs: Inputs, workload: WorkloadResult, image: string): void {
  const name = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  editWorkload(inputs, workload, (doc) => {
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === 'image' && isScalar(pair.value) && pair.value.value === image) pair.value.value = `${name}@${FAKE_DIGEST}`;
      },
    });
  });
}

function readJsonList(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const value = parse(readFileSync(path, 'utf8')) as unknown;
  return Array.isArray(value) ? value : [value];
}

let occurrenceCount = 0;

/** The test key joins the attestor (created if the file lacks it), and signs one occurrence per image. */
function attest(inputs: Inputs, attestors: readonly string[], images: readonly string[]): void {
  const known = readJsonList(inputs.attestorsFile) as Record<string, any>[];
  const occurrences = readJsonList(inputs.attestationsFile);
  for (const name of attestors) {
    let attestor = known.find((a) => a['name'] === name);
    if (!attestor) {
      attestor = { name, userOwnedGrafeasNote: { noteReference: `projects/round-trip/notes/n${known.length}`, publicKeys: [] } };
      known.push(attestor);
    }
    const note = attestor['userOwnedGrafeasNote'];
    note.publicKeys = [...(note.publicKeys ?? []), { id: TEST_KEY_ID, pkixPublicKey: { publicKeyPem: PUBLIC_PEM, signatureAlgorithm: 'ECDSA_P256_SHA256' } }];
    for (const image of images) {
      const at = image.indexOf('@');
      // The simple-signing payload, written out here rather than with the project's own builder.
      const payload = Buffer.from(
        `${JSON.stringify({ critical: { identity: { 'docker-reference': image.slice(0, at) }, image: { 'docker-manifest-digest': image.slice(at + 1) }, type: 'Google cloud binauthz container signature' } }, null, 2)}\n`,
      );
      const signature = sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' });
      occurrences.push({
        attestation: { serializedPayload: payload.toString('base64'), signatures: [{ publicKeyId: TEST_KEY_ID, signature: signature.toString('base64') }] },
        kind: 'ATTESTATION',
        name: `projects/round-trip/occurrences/o${occurrenceCount++}`,
        noteName: note.noteReference,
        resourceUri: image,
        createTime: '2026-11-30T00:00:00Z',
        updateTime: '2026-11-30T00:00:00Z',
      });
    }
  }
  writeFileSync(inputs.attestorsFile, JSON.stringify(known, null, 2));
  writeFileSync(inputs.attestationsFile, JSON.stringify(occurrences, null, 2));
}

/** Applies one fix; returns false for fixes that are advice, not an edit (use-registry). */
function applyFix(inputs: Inputs, workload: WorkloadResult, fix: Fix): boolean {
  switch (fix.kind) {
    case 'add-allowlist-pattern':
      addPatterns(inputs, 'pattern' in fix ? [fix.pattern] : fix.patterns);
      return true;
    case 'set-annotation':
      editWorkload(inputs, workload, (doc) => {
        if (!isMap(doc.getIn(['metadata', 'annotations']))) doc.setIn(['metadata', 'annotations'], doc.createNode({}));
        doc.setIn(['metadata', 'annotations', fix.key], fix.value);
      });
      return true;
    case 'remove-annotation':
      editWorkload(inputs, workload, (doc) => void doc.deleteIn(['metadata', 'annotations', fix.key]));
      return true;
    case 'set-field':
      editWorkload(inputs, workload, (doc) => doc.setIn(fix.path.split('.'), doc.createNode(fix.value)));
      return true;
    case 'pin-digest':
      pinDigest(inputs, workload, fix.image);
      return true;
    case 'attest':
      attest(inputs, 'attestor' in fix ? [fix.attestor] : fix.attestors, 'image' in fix ? [fix.image] : fix.images);
      return true;
    case 'use-registry':
      return false;
  }
}

// ---- what must hold after a fix ------------------------------------------------------------------

const baseName = (file: string | null): string => (file ?? '').slice((file ?? '').lastIndexOf('/') + 1);
// Each run has its own folder, so workloads and errors are compared by file name, not path; an edit
// may move a document's first line, so lines are not compared.
const sameWorkload = (a: WorkloadResult) => (b: WorkloadResult) => a.kind === b.kind && a.name === b.name && baseName(a.file) === baseName(b.file);

/** An edit can move lines; the same problem on another line is not a new one. */
const withoutLines = (message: string): string => message.replace(/\(line \d+\)/g, '(line N)');

function assertNoNewError(before: Report, afterFix: Report, label: string): void {
  const key = (e: { file: string | null; message: string }) => `${baseName(e.file)}:${withoutLines(e.message)}`;
  const known = new Set(before.errors.map(key));
  for (const error of afterFix.errors) assert.ok(known.has(key(error)), `${label}: new error ${error.message}`);
  for (const workload of afterFix.workloads) {
    const old = before.workloads.find(sameWorkload(workload));
    assert.ok(old, `${label}: workload ${workload.name} still found`);
    const problems = old.problems.map(withoutLines);
    for (const problem of workload.problems) assert.ok(problems.includes(withoutLines(problem)), `${label}: new problem ${problem}`);
    for (const container of workload.containers) {
      if (container.decision !== 'error') continue;
      const was = old.containers.find((c) => c.name === container.name);
      assert.ok(
        was?.decision === 'error' && was.reason === container.reason,
        `${label}: container ${container.name} newly in error (${container.reason}): ${container.detail}`,
      );
    }
  }
}

function assertContainerCauseGone(before: ContainerResult, afterFix: ContainerResult | undefined, label: string): void {
  assert.ok(afterFix, `${label}: container still found`);
  assert.ok(
    !(afterFix.decision === before.decision && afterFix.reason === before.reason),
    `${label}: still ${before.decision} (${before.reason}): ${afterFix.detail}`,
  );
  if (before.decision === 'deny' || before.decision === 'dryrun-deny') assert.equal(afterFix.decision, 'allow', `${label}: ${afterFix.detail}`);
}

function assertWorkloadCauseGone(before: WorkloadResult, afterFix: WorkloadResult | undefined, label: string): void {
  assert.ok(afterFix, `${label}: workload still found`);
  if (before.enforcement === 'not-enforced') assert.notEqual(afterFix.enforcement, 'not-enforced', label);
  if (before.enforcement === 'named-policy') assert.notEqual(afterFix.enforcement, 'named-policy', label);
  if (before.problems.length > 0 && before.enforcement !== 'not-enforced' && before.enforcement !== 'named-policy') {
    assert.ok(afterFix.problems.length < before.problems.length, `${label}: a problem is gone`);
  }
}

interface Tally {
  applied: number;
  advisory: number;
}

const tally: Tally = { applied: 0, advisory: 0 };
const kinds = new Set<string>();

async function roundTrip(inputs: Inputs, label: string): Promise<void> {
  const before = await check(inputs);
  const jobs: { fix: Fix; workload: WorkloadResult; container: ContainerResult | null }[] = [];
  for (const workload of before.workloads) {
    if (workload.verdict === 'pass') assert.deepEqual(workload.fixes, [], `${label}: a passing workload needs no fix`);
    for (const fix of workload.fixes) jobs.push({ fix, workload, container: null });
    for (const container of workload.containers) {
      if (container.decision === 'allow') assert.deepEqual(container.fixes, [], `${label}: an allowed container needs no fix`);
      for (const fix of container.fixes) jobs.push({ fix, workload, container });
    }
  }
  for (const { fix, workload, container } of jobs) {
    kinds.add(fix.kind);
    const what = `${label} ${workload.kind} ${workload.name}${container ? ` ${container.name}` : ''} ${JSON.stringify(fix)}`;
    if (fix.kind === 'use-registry') {
      assert.match(fix.hint, /Artifact Registry remote repository/, what);
      tally.advisory++;
      continue;
    }
    const copy = copyInputs(inputs, 'fixed');
    assert.ok(applyFix(copy, workload, fix));
    tally.applied++;
    const afterFix = await check(copy);
    const again = afterFix.workloads.find(sameWorkload(workload));
    if (container)
      assertContainerCauseGone(
        container,
        again?.containers.find((c) => c.name === container.name),
        what,
      );
    else assertWorkloadCauseGone(workload, again, what);
    assertNoNewError(before, afterFix, what);
  }
}

describe('every fix works', { concurrency: 1 }, () => {
  const cases = readdirSync(CASES)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  for (const name of cases) {
    it(`conformance ${name}`, async () => {
      await roundTrip(materializeCase(parse(readFileSync(join(CASES, name), 'utf8')) as Case), name);
    });
  }

  // The edges the reference decides (or leaves open), so that every fix kind is exercised.
  const D = `sha256:${'7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed'}`;
  const rule = (evaluationMode: string, more: Record<string, unknown> = {}) => ({
    name: 'projects/p1/policy',
    defaultAdmissionRule: { evaluationMode, enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG', ...more },
  });
  const v1 = (name: string, annotations: string, images: string[]) =>
    `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\n${annotations ? `  annotations:\n${annotations}` : ''}spec:\n  template:\n    spec:\n      containers:\n${images.map((i) => `      - image: ${i}\n`).join('')}`;
  const v2 = (name: string, binaryAuthorization: unknown) =>
    JSON.stringify(
      {
        name: `projects/p1/locations/us-central1/services/${name}`,
        binaryAuthorization,
        template: { containers: [{ image: `us-docker.pkg.dev/p1/r/${name}@${D}` }] },
      },
      null,
      2,
    );
  const edges: Case[] = [
    {
      id: 'edges-deny',
      policy_format: 'yaml',
      policy: rule('ALWAYS_DENY'),
      manifests: {
        'spaced.yaml': v1('spaced', '    run.googleapis.com/binary-authorization: "default "\n', [`us-docker.pkg.dev/p1/r/a@${D}`]),
        'block.yaml': v1('block', '    run.googleapis.com/binary-authorization: |\n      default\n', [`us-docker.pkg.dev/p1/r/a@${D}`]),
        'empty-breakglass.yaml': v1(
          'glass',
          '    run.googleapis.com/binary-authorization: default\n    run.googleapis.com/binary-authorization-breakglass: ""\n',
          [`us-docker.pkg.dev/p1/r/a@${D}`],
        ),
        'hub.yaml': v1('hub', '    run.googleapis.com/binary-authorization: default\n', [
          `nginx@${D}`,
          `docker.io/library/redis@${D}`,
          `docker.io/istio/pilot@${D}`,
          'busybox:1.36',
          'gcr.io/p1/tagged:1',
        ]),
        'v2-default.json': v2('v2-default', { policy: 'default' }),
        'v2-both.json': v2('v2-both', { useDefault: true, policy: 'projects/p1/platforms/cloudRun/policies/x' }),
        'v2-empty.json': v2('v2-empty', {}),
        'v2-off.json': v2('v2-off', { useDefault: false }),
      },
    },
    {
      id: 'edges-partly-exempt',
      policy_format: 'json',
      policy: {
        ...rule('ALWAYS_DENY'),
        admissionWhitelistPatterns: [{ namePattern: 'docker.io/library/redis@*' }, { namePattern: `us-docker.pkg.dev/p1/r/a@${D}` }],
      },
      manifests: {
        'svc.yaml': v1('svc', '    run.googleapis.com/binary-authorization: default\n', [`docker.io/library/redis@${D}`, 'us-docker.pkg.dev/p1/r/a:1']),
      },
    },
    {
      id: 'edges-attest',
      policy_format: 'yaml',
      policy: rule('REQUIRE_ATTESTATION', { requireAttestationsBy: ['projects/p1/attestors/a1', 'projects/p1/attestors/a2'] }),
      manifests: {
        'svc.yaml': v1('svc', '    run.googleapis.com/binary-authorization: default\n', [
          `docker.io/library/redis@${D}`,
          `us-docker.pkg.dev/p1/r/a@${D}`,
          'us-docker.pkg.dev/p1/r/b:2',
        ]),
      },
    },
  ];
  for (const testCase of edges) {
    it(`edge cases ${testCase.id}`, async () => {
      const count = tally.applied;
      await roundTrip(materializeCase(testCase), testCase.id);
      assert.ok(tally.applied > count, 'fixes were applied');
    });
  }

  const policies = [
    fileURLToPath(new URL('./fixtures/policies/always-allow.yaml', import.meta.url)),
    join(CORPUS, 'binauthz-policies', 'codelab-deny-all-policy.yaml'),
    join(CORPUS, 'binauthz-policies', 'bendory-tekton-binauthz-policy-dryrun.yaml'),
    join(CORPUS, 'binauthz-policies', 'kcc-binaryauthorizationpolicy-namespace.yaml'),
  ];
  const manifests = ['cloud-run-services', 'cloud-run-jobs', 'knative-non-cloudrun', 'malformed']
    .flatMap((folder) =>
      readdirSync(join(CORPUS, folder))
        .sort()
        .map((name) => join(CORPUS, folder, name)),
    )
    .filter((file) => statSync(file).size < 1024 * 1024);
  for (const manifest of manifests) {
    it(`corpus ${manifest.slice(CORPUS.length)}`, async () => {
      for (const policy of policies)
        await roundTrip(materializeCorpus(manifest, policy), `${manifest.slice(CORPUS.length)} with ${policy.slice(policy.lastIndexOf('/') + 1)}`);
    });
  }

  it('applied fixes of every kind, and says how many', () => {
    console.log(`fix round trip: ${tally.applied} fixes applied and re-checked, ${tally.advisory} use-registry hints checked for shape`);
    assert.deepEqual([...kinds].sort(), ['add-allowlist-pattern', 'attest', 'pin-digest', 'remove-annotation', 'set-annotation', 'set-field', 'use-registry']);
    assert.ok(tally.applied > 50, `only ${tally.applied} fixes were applied`);
  });
});
