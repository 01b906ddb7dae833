// Real-world manifests and policies from other projects (test/fixtures/corpus, see SOURCES.md)
// and crafted bad inputs: the CLI must give a report for every one, never crash or hang, and
// find exactly the workloads and images an independent reader finds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runCheckJson } from './helpers/run-cli.ts';
import { readIndependently } from './helpers/independent-reader.ts';
import { tempDir } from './helpers/temp.ts';

const corpus = fileURLToPath(new URL('./fixtures/corpus/', import.meta.url));
const allowAll = fileURLToPath(new URL('./fixtures/policies/always-allow.yaml', import.meta.url));
const oneService = fileURLToPath(new URL('./fixtures/manifests/web-service.yaml', import.meta.url));
const MANIFEST_FOLDERS = ['cloud-run-services', 'cloud-run-jobs', 'knative-non-cloudrun', 'malformed'];

function filesIn(folder: string): string[] {
  return readdirSync(join(corpus, folder))
    .sort()
    .map((name) => join(corpus, folder, name));
}

describe('every corpus manifest gives a report', { concurrency: 4 }, () => {
  for (const file of MANIFEST_FOLDERS.flatMap(filesIn)) {
    const name = file.slice(corpus.length);
    it(name, async () => {
      const started = performance.now();
      const { code, report, stderr } = await runCheckJson(['--policy-file', allowAll, file], { timeoutMs: 20_000 });
      assert.ok(performance.now() - started < 15_000, 'finishes promptly');
      assert.equal(stderr, '', 'no crash output');
      assert.ok([0, 1, 2].includes(code));
      assert.ok(report.workloads.length + report.skipped.length + report.errors.length > 0, 'says something about the file');
      const reading = readIndependently(readFileSync(file));
      if (!reading.readable) {
        assert.equal(report.verdict, 'error');
        assert.ok(
          report.errors.some((e) => e.file?.endsWith(name.split('/').pop() as string)),
          'an error names the file',
        );
        return;
      }
      const found = report.workloads.map((w) => ({ kind: w.kind, name: w.name, images: w.containers.map((c) => c.image) }));
      assert.deepEqual(
        found,
        reading.workloads.map((w) => ({ ...w, images: [...w.images] })),
      );
      for (const workload of report.workloads) {
        const nothingToCheck = workload.containers.length === 0 || workload.containers.some((c) => c.image === '');
        if (!nothingToCheck) continue;
        // Enforcement first: a workload Cloud Run will not check fails whatever its containers are; the run is still an error.
        const expected = workload.enforcement === 'not-enforced' ? 'fail' : 'error';
        assert.equal(workload.verdict, expected, `${workload.name}: a container without an image is never a pass`);
        assert.equal(report.verdict, 'error', 'the run could not check that image');
      }
    });
  }
});

/** Each policy of the corpus is either used with its default rule or rejected with the reason. */
const POLICY_EXPECTATIONS: Record<string, { rule: string } | { rejected: RegExp }> = {
  'bendory-tekton-binauthz-policy-dryrun.yaml': { rule: 'ALWAYS_DENY (ENFORCED_BLOCK_AND_AUDIT_LOG)' },
  'bobcatfish-ops202-gkepolicy-platform.yaml': { rejected: /GKE platform policy/ },
  'codelab-deny-all-policy.yaml': { rule: 'ALWAYS_DENY (ENFORCED_BLOCK_AND_AUDIT_LOG)' },
  'codelab-example-cluster-policy.yaml': { rule: 'ALWAYS_DENY (ENFORCED_BLOCK_AND_AUDIT_LOG)' },
  'codelab-updated-policy-template.yaml': { rejected: /requireAttestationsBy\[0\].*template placeholder/ },
  'kcc-binaryauthorizationpolicy-namespace.yaml': {
    rule: 'REQUIRE_ATTESTATION by Config Connector attestor binaryauthorizationpolicy-dep-namespace (ENFORCED_BLOCK_AND_AUDIT_LOG)',
  },
  'kcc-binaryauthorizationpolicy-serviceaccount.yaml': {
    rule: 'REQUIRE_ATTESTATION by Config Connector attestor binaryauthorizationpolicy-dep-serviceaccount (ENFORCED_BLOCK_AND_AUDIT_LOG)',
  },
  'kritis-vulnz-signing-policy-NOT-BINAUTHZ.yaml': { rejected: /Kritis/ },
  'magic-modules-binary_authorization_policy_basic.tf.tmpl': { rejected: /Terraform/ },
  'magic-modules-binary_authorization_policy_global_evaluation.tf.tmpl': { rejected: /Terraform/ },
  'ossf-scorecard-policy-binauthz-NOT-BINAUTHZ.yaml': { rejected: /does not look like a Binary Authorization policy/ },
  'stevemcghee-binary-authorization.tf': { rejected: /Terraform/ },
  'stevemcghee-go-to-production-binauthz-policy.yaml': { rejected: /GCP_PROJECT_ID.*template placeholder/ },
};

describe('every corpus policy is used with its default rule or rejected with the reason', { concurrency: 4 }, () => {
  it('covers every policy file', () => {
    assert.deepEqual(readdirSync(join(corpus, 'binauthz-policies')).sort(), Object.keys(POLICY_EXPECTATIONS).sort());
  });
  for (const [name, expected] of Object.entries(POLICY_EXPECTATIONS)) {
    it(name, async () => {
      const { code, report, stderr } = await runCheckJson(['--policy-file', join(corpus, 'binauthz-policies', name), oneService]);
      assert.equal(stderr, '');
      if ('rule' in expected) {
        assert.equal(report.policy.defaultRule, expected.rule);
        assert.equal(report.workloads.length, 1);
        assert.notEqual(report.verdict, 'pass', 'none of these policies lets an unattested image through');
      } else {
        assert.equal(code, 2);
        assert.equal(report.verdict, 'error');
        assert.equal(report.workloads.length, 0, 'nothing is evaluated against a policy that could not be read');
        assert.ok(
          report.errors.some((e) => expected.rejected.test(e.message) && e.file?.endsWith(name)),
          JSON.stringify(report.errors),
        );
      }
    });
  }
});

describe('the crafted bad inputs', () => {
  const crafted = (name: string) => join(corpus, 'malformed', name);
  const cases: [string, RegExp][] = [
    ['crafted-yaml-alias-bomb.yaml', /alias/],
    ['crafted-deep-nesting.yaml', /nest/],
    ['crafted-not-yaml-gzip-binary.yaml', /compressed or binary/],
    ['crafted-invalid-yaml-syntax.yaml', /invalid YAML at line 9, column 1: a tab is used for indentation/],
  ];
  for (const [name, message] of cases) {
    it(`${name} is an error with a clear message and exit 2`, async () => {
      const { code, report } = await runCheckJson(['--policy-file', allowAll, crafted(name)]);
      assert.equal(code, 2);
      assert.ok(
        report.errors.some((e) => message.test(e.message) && e.file?.endsWith(name)),
        JSON.stringify(report.errors),
      );
    });
  }
  it('a UTF-8 byte order mark does not shift line numbers', async () => {
    const { report } = await runCheckJson(['--policy-file', allowAll, crafted('crafted-utf8-bom-service.yaml')]);
    const text = readFileSync(crafted('crafted-utf8-bom-service.yaml'), 'utf8');
    const imageLine = text.split('\n').findIndex((line) => line.includes('image:')) + 1;
    assert.equal(report.workloads[0]?.containers[0]?.line, imageLine);
  });
  it('each container without an image is an error on its own line', async () => {
    const { code, report } = await runCheckJson(['--policy-file', allowAll, crafted('crafted-container-without-image.yaml')]);
    assert.equal(code, 2);
    const containers = report.workloads[0]?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => c.decision),
      ['error', 'error', 'error', 'error', 'error', 'allow'],
    );
    assert.equal(new Set(containers.map((c) => c.line)).size, containers.length, 'one line per container');
  });
  it('a 50 MB file is refused by the default limit without being read, quickly', async (t) => {
    const dir = tempDir(t, 'huge-');
    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, Buffer.alloc(50 * 1024 * 1024, 'a: b\n'));
    const started = performance.now();
    const { code, report } = await runCheckJson(['--policy-file', allowAll, huge, oneService]);
    assert.ok(performance.now() - started < 5000);
    assert.equal(code, 2);
    assert.ok(
      report.errors.some((e) => e.file?.endsWith('huge.yaml') && /50\.0 MB, over the 4\.0 MB limit/.test(e.message)),
      JSON.stringify(report.errors),
    );
    assert.equal(report.workloads.length, 1, 'the other file is still evaluated');
  });

  it('a file over --max-file-size is refused without reading it, the rest still evaluated', async () => {
    const { code, report } = await runCheckJson(['--policy-file', allowAll, '--max-file-size', '100KB', crafted('crafted-huge-service.yaml'), oneService]);
    assert.equal(code, 2);
    assert.ok(report.errors.some((e) => /over the 100 KB limit/.test(e.message)));
    assert.equal(report.workloads.length, 1);
  });
});
