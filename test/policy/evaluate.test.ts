import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateWorkload } from '../../src/policy/evaluate.ts';
import { parsePolicyText } from '../../src/policy/parse-policy.ts';
import type { AttestationLookup, Evidence } from '../../src/policy/decision.ts';
import type { Policy } from '../../src/policy/policy.ts';
import type { EnforcementSetting, Workload } from '../../src/manifests/workload.ts';

const D1 = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const D2 = 'sha256:3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3';
const ENFORCED = { mode: 'default', breakglass: null } as const;
const STRICT = { requireEnforcement: true };

function policy(rule: string, patterns: string[] = []): Policy {
  const text = `defaultAdmissionRule: ${rule}\nadmissionWhitelistPatterns: [${patterns.map((p) => `{namePattern: "${p}"}`).join(', ')}]\n`;
  const parsed = parsePolicyText('file:test', text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.policy;
}

const DENY = '{evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}';
const DENY_DRY = '{evaluationMode: ALWAYS_DENY, enforcementMode: DRYRUN_AUDIT_LOG_ONLY}';
const ALLOW = '{evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}';
const ATTEST =
  '{evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/a, projects/p/attestors/b]}';

function workload(images: (string | null)[], enforcement: EnforcementSetting = ENFORCED, kind: 'Service' | 'Job' = 'Service'): Workload {
  return {
    kind,
    api: 'v1',
    name: 'w',
    file: 'w.yaml',
    line: 1,
    enforcement,
    containers: images.map((image, i) => ({ name: `c${i}`, image, line: 10 + i })),
    notes: [],
    problems: [],
  };
}

const noLookups: Evidence = { attestations: () => assert.fail('no attestation should be looked up'), tags: () => null };
const withAttestations = (attestations: AttestationLookup): Evidence => ({ attestations, tags: () => null });

describe('evaluateWorkload', () => {
  it("denies with the enforcer's message and a fix", () => {
    const result = evaluateWorkload(workload([`gcr.io/p/app:1@${D1}`]), policy(DENY), noLookups, STRICT);
    assert.equal(result.verdict, 'fail');
    const [container] = result.containers;
    assert.equal(container?.digest, D1);
    assert.match(
      container?.detail ?? '',
      new RegExp(`Container image 'gcr.io/p/app@${D1}' is not authorized by policy. Denied by an ALWAYS_DENY admission rule`),
    );
    assert.match(container?.detail ?? '', /gcr\.io\/p\/app@\*/);
    assert.match(result.summary, /revision fails to deploy/);
  });

  it('says a denied Job still updates but every execution fails', () => {
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], ENFORCED, 'Job'), policy(DENY), noLookups, STRICT);
    assert.match(result.summary, /the Job updates, but every execution fails/);
  });

  it('a tagged image is decided without a digest when no pattern depends on it', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:1']), policy(DENY, ['gcr.io/other/**']), noLookups, STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['deny', 'always-deny']);
  });

  it('a tagged image whose exemption depends on its digest is unresolved-tag', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:1']), policy(DENY, [`gcr.io/p/app@${D1}`]), noLookups, STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['error', 'unresolved-tag']);
    assert.equal(result.verdict, 'error');
    assert.match(result.containers[0]?.detail ?? '', /Pin the image by digest/);
  });

  it('an unknown digest does not matter when the rule allows anyway', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:1']), policy(ALLOW, [`gcr.io/p/app@${D1}`]), noLookups, STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['allow', 'always-allow']);
  });

  it('a Docker Hub short name is undecidable when only one spelling is exempt', () => {
    const result = evaluateWorkload(workload([`nginx@${D1}`]), policy(DENY, ['docker.io/library/nginx@*']), noLookups, STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['error', 'ambiguous-name']);
    const fully = evaluateWorkload(
      workload([`nginx@${D1}`]),
      policy(DENY, ['docker.io/library/nginx@*', 'index.docker.io/library/nginx@*', 'docker.io/library/nginx@*']),
      noLookups,
      STRICT,
    );
    assert.equal(fully.containers[0]?.decision, 'error', 'the written spelling nginx@... still is not covered: patterns need a registry');
  });

  it('dry run turns a denial into a warning', () => {
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`]), policy(DENY_DRY), noLookups, STRICT);
    assert.equal(result.containers[0]?.decision, 'dryrun-deny');
    assert.equal(result.verdict, 'warn');
  });

  it('breakglass warns when the policy would deny, passes when it would not', () => {
    const breakglass = { mode: 'default', breakglass: 'INC-1' } as const;
    assert.equal(evaluateWorkload(workload([`gcr.io/p/app@${D1}`], breakglass), policy(DENY), noLookups, STRICT).verdict, 'warn');
    const allowed = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], breakglass), policy(ALLOW), noLookups, STRICT);
    assert.equal(allowed.verdict, 'pass');
    assert.equal(allowed.enforcement, 'breakglass');
  });

  it('a workload Cloud Run will not check fails, unless enforcement is not required', () => {
    const off = { mode: 'not-enforced', why: 'no annotation' } as const;
    assert.equal(evaluateWorkload(workload([`gcr.io/p/app@${D1}`], off), policy(ALLOW), noLookups, STRICT).verdict, 'fail');
    const relaxed = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], off), policy(ALLOW), noLookups, { requireEnforcement: false });
    assert.equal(relaxed.verdict, 'pass');
    assert.equal(evaluateWorkload(workload([`gcr.io/p/app@${D1}`], off), policy(DENY), noLookups, { requireEnforcement: false }).verdict, 'fail');
  });

  it('a named platform policy is never evaluated against the project policy', () => {
    const named = { mode: 'named-policy', policy: 'projects/p/platforms/cloudRun/policies/x', breakglass: null } as const;
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`]), policy(ALLOW), noLookups, STRICT);
    assert.equal(result.verdict, 'pass');
    const undecided = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], named), policy(ALLOW), noLookups, STRICT);
    assert.equal(undecided.verdict, 'error');
    assert.deepEqual(
      undecided.containers.map((c) => c.reason),
      ['named-policy'],
    );
  });

  it('requires every attestor, and names the ones that did not attest', () => {
    const asked: string[] = [];
    const lookup: AttestationLookup = (attestor, names, digest) => {
      asked.push(`${attestor} ${names.join(',')} ${digest}`);
      return attestor.endsWith('/a')
        ? { attestor, outcome: 'verified', detail: 'ok' }
        : { attestor, outcome: 'not-verified', cause: 'no-occurrence', detail: 'no attestation for this digest.' };
    };
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D2}`]), policy(ATTEST), withAttestations(lookup), STRICT);
    assert.deepEqual(asked, [`projects/p/attestors/a gcr.io/p/app ${D2}`, `projects/p/attestors/b gcr.io/p/app ${D2}`]);
    const [container] = result.containers;
    assert.deepEqual([container?.decision, container?.reason], ['deny', 'missing-attestation']);
    assert.match(
      container?.detail ?? '',
      /Denied by attestor projects\/p\/attestors\/b: no attestation for this digest\. Attested by projects\/p\/attestors\/a\./,
    );
    assert.match(
      container?.detail ?? '',
      /binauthz-gate attest --attestor projects\/p\/attestors\/b --kms-key-version KEY_VERSION gcr\.io\/p\/app@sha256:3fc4/,
    );
    assert.deepEqual(
      container?.attestors.map((a) => [a.attestor, a.outcome]),
      [
        ['projects/p/attestors/a', 'verified'],
        ['projects/p/attestors/b', 'not-verified'],
      ],
    );
  });

  it('an attestation check that could not run is an error, never a pass', () => {
    const lookup: AttestationLookup = (attestor) => ({ attestor, outcome: 'undecidable', detail: 'attestor unknown' });
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`]), policy(ATTEST), withAttestations(lookup), STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['error', 'attestation-unavailable']);
  });

  it('REQUIRE_ATTESTATION on a tag is unresolved-tag offline', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:v1']), policy(ATTEST), noLookups, STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['error', 'unresolved-tag']);
  });

  it('missing and malformed images are errors, one per container', () => {
    const result = evaluateWorkload(workload([null, '${IMAGE}', 'gcr.io/P/App:1', `gcr.io/p/ok@${D1}`]), policy(ALLOW), noLookups, STRICT);
    assert.deepEqual(
      result.containers.map((c) => c.reason),
      ['invalid-image', 'invalid-image', 'invalid-image', 'always-allow'],
    );
    assert.match(result.containers[1]?.detail ?? '', /placeholder/);
    assert.equal(result.verdict, 'error');
  });

  it('a workload problem makes it an error even when every image passes', () => {
    const broken = { ...workload([`gcr.io/p/app@${D1}`]), problems: ['contradictory settings'] };
    assert.equal(evaluateWorkload(broken, policy(ALLOW), noLookups, STRICT).verdict, 'error');
  });
});

describe('evaluateWorkload with tags resolved live', () => {
  const resolvedTo = (digest: string): Evidence => ({
    attestations: (attestor, names, asked) => {
      assert.equal(asked, digest, 'the attestation is looked up for the resolved digest');
      return { attestor, outcome: 'verified', detail: `ok ${names.join()}` };
    },
    tags: (image) => (image.tag === 'v1' ? { ok: true, digest } : { ok: false, problem: `tag ${image.tag} does not exist` }),
  });

  it('evaluates the digest the tag points to, and says a push can move it', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:v1']), policy(ATTEST), resolvedTo(D2), STRICT);
    const [container] = result.containers;
    assert.deepEqual([container?.decision, container?.reason, container?.digest], ['allow', 'attested', D2]);
    assert.match(container?.detail ?? '', new RegExp(`Tag v1 resolved to ${D2} at check time; a later push can move it`));
  });

  it('a digest-dependent exemption is decided with the resolved digest', () => {
    assert.equal(evaluateWorkload(workload(['gcr.io/p/app:v1']), policy(DENY, [`gcr.io/p/app@${D1}`]), resolvedTo(D1), STRICT).containers[0]?.reason, 'exempt');
    assert.equal(
      evaluateWorkload(workload(['gcr.io/p/app:v1']), policy(DENY, [`gcr.io/p/app@${D1}`]), resolvedTo(D2), STRICT).containers[0]?.reason,
      'always-deny',
    );
  });

  it("a tag the registry could not resolve is unresolved-tag with the registry's reason", () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:v9']), policy(ATTEST), resolvedTo(D2), STRICT);
    assert.deepEqual([result.containers[0]?.decision, result.containers[0]?.reason], ['error', 'unresolved-tag']);
    assert.match(result.containers[0]?.detail ?? '', /could not be resolved: tag v9 does not exist/);
  });
});

describe('enforcement first', () => {
  const off = { mode: 'not-enforced', why: 'no annotation' } as const;

  it('a workload Cloud Run will not check fails with the annotation fix even when a container is an error; containers keep their decisions', () => {
    const result = evaluateWorkload(workload(['${IMAGE}', 'gcr.io/p/app:1'], off), policy(DENY, [`gcr.io/p/app@${D1}`]), noLookups, STRICT);
    assert.equal(result.verdict, 'fail');
    assert.deepEqual(
      result.containers.map((c) => c.reason),
      ['invalid-image', 'unresolved-tag'],
    );
    assert.deepEqual(result.fixes, [{ kind: 'set-annotation', key: 'run.googleapis.com/binary-authorization', value: 'default' }]);
    assert.match(result.summary, /Fix: add run\.googleapis\.com\/binary-authorization: default to the Service's metadata\.annotations/);
    const offWorkload = { ...workload([`gcr.io/p/app@${D1}`], off), problems: ['no containers here'] };
    assert.equal(evaluateWorkload(offWorkload, policy(ALLOW), noLookups, STRICT).verdict, 'fail');
  });

  it('a v2 resource gets a set-field fix, since annotations do nothing there', () => {
    const v2 = { ...workload([`gcr.io/p/app@${D1}`], off), api: 'v2' as const };
    assert.deepEqual(evaluateWorkload(v2, policy(ALLOW), noLookups, STRICT).fixes, [
      { kind: 'set-field', path: 'binaryAuthorization', value: { useDefault: true } },
    ]);
  });

  it('without require-enforcement, the container-based verdict applies and no fix is owed', () => {
    const relaxed = evaluateWorkload(workload(['${IMAGE}'], off), policy(ALLOW), noLookups, { requireEnforcement: false });
    assert.equal(relaxed.verdict, 'error');
    assert.deepEqual(relaxed.fixes, []);
  });

  it('an invalid enforcement value is fixed by setting the annotation to default', () => {
    const named = { mode: 'named-policy', policy: 'default ', breakglass: null } as const;
    const result = evaluateWorkload(
      { ...workload([`gcr.io/p/app@${D1}`], named), problems: ['bad value'], invalidEnforcement: true },
      policy(ALLOW),
      noLookups,
      STRICT,
    );
    assert.equal(result.verdict, 'error');
    assert.deepEqual(result.fixes, [{ kind: 'set-annotation', key: 'run.googleapis.com/binary-authorization', value: 'default' }]);
    assert.ok(!result.containers[0]?.detail.includes('(default )'), 'an invalid value is not echoed as a policy name');
    assert.match(result.containers[0]?.detail ?? '', /names a Cloud Run platform policy, whose schema/);
  });
});

describe('open behaviours: decided only where every reading agrees', () => {
  const empty = { mode: 'default', breakglass: '' } as const;

  it('an empty breakglass: pass when both readings pass, warn when both warn', () => {
    const allowed = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], empty), policy(ALLOW), noLookups, STRICT);
    assert.deepEqual([allowed.verdict, allowed.enforcement, allowed.fixes], ['pass', 'enforced', []]);
    assert.equal(evaluateWorkload(workload([`gcr.io/p/app@${D1}`], empty), policy(DENY_DRY), noLookups, STRICT).verdict, 'warn');
  });

  it('an empty breakglass over a denied image is an error with the reason, fixed by removing the annotation', () => {
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], empty), policy(DENY), noLookups, STRICT);
    assert.equal(result.verdict, 'error');
    assert.match(result.problems.join(), /honoured, the verdict is warn; ignored, it is fail/);
    assert.deepEqual(result.fixes, [{ kind: 'remove-annotation', key: 'run.googleapis.com/binary-authorization-breakglass' }]);
  });

  it('a Docker Hub image exempt under every spelling, by different patterns, is exempt', () => {
    const both = policy(DENY, ['docker.io/library/nginx@*', 'index.docker.io/library/nginx@*']);
    const result = evaluateWorkload(workload([`docker.io/library/nginx@${D1}`, 'docker.io/library/nginx:1.27']), both, noLookups, STRICT);
    assert.deepEqual(
      result.containers.map((c) => c.reason),
      ['exempt', 'exempt'],
    );
    assert.match(result.containers[0]?.detail ?? '', /under every spelling/);
    const short = policy(DENY, [`nginx@${D1}`, 'docker.io/library/nginx@*', 'index.docker.io/library/nginx@*']);
    assert.equal(evaluateWorkload(workload([`nginx@${D1}`]), short, noLookups, STRICT).containers[0]?.reason, 'exempt');
  });

  it('a Docker Hub image attested under one spelling only is ambiguous, with the attestations still missing as the fix', () => {
    const onlyLibrary: AttestationLookup = (attestor, names) =>
      names[0] === 'docker.io/library/nginx'
        ? { attestor, outcome: 'verified', detail: 'ok' }
        : { attestor, outcome: 'not-verified', cause: 'no-occurrence', detail: 'none' };
    const oneAttestor = policy(
      '{evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/a]}',
    );
    const [container] = evaluateWorkload(workload([`docker.io/library/nginx@${D1}`]), oneAttestor, withAttestations(onlyLibrary), STRICT).containers;
    assert.deepEqual([container?.decision, container?.reason], ['error', 'ambiguous-name']);
    assert.deepEqual(container?.fixes, [{ kind: 'attest', attestor: 'projects/p/attestors/a', image: `index.docker.io/library/nginx@${D1}` }]);
    const everywhere: AttestationLookup = (attestor) => ({ attestor, outcome: 'verified', detail: 'ok' });
    assert.equal(
      evaluateWorkload(workload([`docker.io/library/nginx@${D1}`]), oneAttestor, withAttestations(everywhere), STRICT).containers[0]?.reason,
      'attested',
    );
  });
});

describe('fixes', () => {
  const accepted = (pattern: string) =>
    parsePolicyText('file:t', `defaultAdmissionRule: ${DENY}\nadmissionWhitelistPatterns: [{namePattern: "${pattern}"}]\n`).ok;
  const fixesOf = (image: string, rule = DENY) => evaluateWorkload(workload([image]), policy(rule), noLookups, STRICT).containers[0]?.fixes ?? [];

  it('ALWAYS_DENY: one pattern the parser accepts, and the detail says it', () => {
    const result = evaluateWorkload(workload(['gcr.io/p/app:1']), policy(DENY), noLookups, STRICT);
    assert.deepEqual(result.containers[0]?.fixes, [{ kind: 'add-allowlist-pattern', pattern: 'gcr.io/p/app@*' }]);
    assert.match(result.containers[0]?.detail ?? '', /Fix: exempt it in admissionWhitelistPatterns with `gcr\.io\/p\/app@\*`/);
    assert.ok(accepted('gcr.io/p/app@*'));
    assert.deepEqual(result.fixes, [], 'the workload owes no fix of its own: its container carries it');
  });

  it('Docker Hub: every spelling in one fix, never a pattern the parser rejects, never library/ for a user repository', () => {
    const [short, registry] = fixesOf(`nginx@${D1}`);
    assert.deepEqual(short, { kind: 'add-allowlist-pattern', patterns: [`nginx@${D1}`, 'docker.io/library/nginx@*', 'index.docker.io/library/nginx@*'] });
    assert.equal(registry?.kind, 'use-registry');
    for (const pattern of short && 'patterns' in short ? short.patterns : []) assert.ok(accepted(pattern), pattern);
    assert.deepEqual(fixesOf(`docker.io/istio/pilot@${D1}`)[0], {
      kind: 'add-allowlist-pattern',
      patterns: ['docker.io/istio/pilot@*', 'index.docker.io/istio/pilot@*'],
    });
    // A short name with a tag: no pattern can name its own spelling without the digest.
    assert.deepEqual(
      fixesOf('nginx:1.27').map((f) => f.kind),
      ['use-registry'],
    );
    assert.match(
      evaluateWorkload(workload(['nginx:1.27']), policy(DENY), noLookups, STRICT).containers[0]?.detail ?? '',
      /Fix: mirror docker\.io\/library\/nginx through an Artifact Registry remote repository/,
    );
  });

  it('an ambiguous Docker Hub exemption names the spellings still missing', () => {
    const [container] = evaluateWorkload(
      workload([`docker.io/library/nginx@${D1}`]),
      policy(DENY, ['docker.io/library/nginx@*']),
      noLookups,
      STRICT,
    ).containers;
    assert.equal(container?.reason, 'ambiguous-name');
    assert.deepEqual(container?.fixes[0], { kind: 'add-allowlist-pattern', pattern: 'index.docker.io/library/nginx@*' });
  });

  it('unresolved tags are pinned; missing attestations name only the attestors that did not attest', () => {
    assert.deepEqual(fixesOf('gcr.io/p/app:1', ATTEST), [{ kind: 'pin-digest', image: 'gcr.io/p/app:1' }]);
    const lookup: AttestationLookup = (attestor) =>
      attestor.endsWith('/a') ? { attestor, outcome: 'verified', detail: 'ok' } : { attestor, outcome: 'not-verified', cause: 'no-occurrence', detail: 'none' };
    const [container] = evaluateWorkload(workload([`gcr.io/p/app@${D2}`]), policy(ATTEST), withAttestations(lookup), STRICT).containers;
    assert.deepEqual(container?.fixes, [{ kind: 'attest', attestor: 'projects/p/attestors/b', image: `gcr.io/p/app@${D2}` }]);
    const none = evaluateWorkload(
      workload([`gcr.io/p/app@${D2}`]),
      policy(ATTEST),
      withAttestations((attestor) => ({ attestor, outcome: 'not-verified', cause: 'no-evidence', detail: 'none' })),
      STRICT,
    );
    assert.deepEqual(none.containers[0]?.fixes, [
      { kind: 'attest', attestors: ['projects/p/attestors/a', 'projects/p/attestors/b'], images: [`gcr.io/p/app@${D2}`] },
    ]);
  });

  it('a named platform policy: the container and the workload carry the fix that applies the project policy', () => {
    const named = { mode: 'named-policy', policy: 'projects/p/platforms/cloudRun/policies/x', breakglass: null } as const;
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], named), policy(ALLOW), noLookups, STRICT);
    const fix = { kind: 'set-annotation', key: 'run.googleapis.com/binary-authorization', value: 'default' };
    assert.deepEqual(result.fixes, [fix]);
    assert.deepEqual(result.containers[0]?.fixes, [fix]);
  });

  it('allowed containers and passing workloads carry no fix', () => {
    const result = evaluateWorkload(workload([`gcr.io/p/app@${D1}`]), policy(ALLOW), noLookups, STRICT);
    assert.deepEqual([result.verdict, result.fixes, result.containers[0]?.fixes], ['pass', [], []]);
  });
});

describe('run verdict with enforcement first', () => {
  it('a not-enforced workload fails, and an image it could not check still makes the run an error (exit 2)', async () => {
    const { runVerdict } = await import('../../src/report/report.ts');
    const off = { mode: 'not-enforced', why: 'no annotation' } as const;
    const failing = evaluateWorkload(workload([`gcr.io/p/app@${D1}`], off), policy(ALLOW), noLookups, STRICT);
    assert.equal(runVerdict([failing], []), 'fail');
    const unchecked = evaluateWorkload(workload([null], off), policy(ALLOW), noLookups, STRICT);
    assert.equal(unchecked.verdict, 'fail');
    assert.equal(runVerdict([unchecked], []), 'error');
  });
});
