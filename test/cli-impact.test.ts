// `binauthz-gate impact` through the built CLI (dist/cli.js) as a separate process: Terraform plans
// against a base policy file, and against the live policy of loopback Google, where each question
// (policy, attestor, attestation list, tag) is asked once although two policies are evaluated.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli, runCliJson } from './helpers/run-cli.ts';
import { tempDir } from './helpers/temp.ts';
import { startFakeGoogle, type FakeGoogle } from './helpers/fake-google.ts';
import { startFakeRegistry, type FakeRegistry } from './helpers/fake-registry.ts';
import {
  BASE_POLICY,
  BUILT_BY_CI,
  PROJECT,
  REPOSITORY,
  SECURITY_REVIEW,
  attestorJson,
  digestOf,
  occurrenceJson,
  service,
  writeWorkspace,
} from './helpers/impact-fixtures.ts';

interface ImpactJson {
  verdict: string;
  before: { source: string; defaultRule: string | null };
  after: { source: string; defaultRule: string | null; notes: { message: string }[] };
  policyChanges: { field: string; before: string | null; after: string | null; effect: string; why: string }[];
  workloads: { kind: string; name: string; file: string; line: number; before: string; after: string; change: string; summary: string }[];
  counts: Record<string, number>;
  skipped: unknown[];
  errors: { file: string | null; line: number | null; message: string }[];
}

const EVIDENCE = ['--attestors', 'attestors.json', '--attestations', 'attestations.json'];

function workspace(): string {
  const dir = tempDir(after, 'cli-impact-');
  writeWorkspace(dir);
  return dir;
}

const byName = (report: ImpactJson) => Object.fromEntries(report.workloads.map((w) => [w.name, w.change]));

describe('binauthz-gate impact, offline', () => {
  it('#14929: adding security-review dropped built-by-ci: weakens, and what only CI attested is newly blocked (exit 1)', async () => {
    const cwd = workspace();
    const run = await runCliJson<ImpactJson>(
      ['impact', '--format', 'json', '--policy-file', 'swapped.plan.json', '--base-policy-file', 'base.yaml', ...EVIDENCE, 'deploy'],
      { cwd },
    );
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.stderr, '');
    const report = run.report;
    assert.deepEqual(Object.keys(report), ['verdict', 'before', 'after', 'policyChanges', 'workloads', 'counts', 'skipped', 'errors']);
    assert.equal(report.verdict, 'fail');
    assert.deepEqual(
      report.policyChanges.map((c) => [c.before ?? c.after, c.effect]),
      [
        [BUILT_BY_CI, 'weakens'],
        [SECURITY_REVIEW, 'tightens'],
      ],
    );
    assert.deepEqual(byName(report), {
      both: 'unchanged',
      'ci-only': 'newly-blocked',
      none: 'unchanged',
      'review-only': 'newly-admitted',
      'source-deploy': 'unchanged',
    });
    const blocked = report.workloads.find((w) => w.name === 'ci-only');
    assert.deepEqual([blocked?.kind, blocked?.file, blocked?.line, blocked?.before, blocked?.after], ['Service', 'deploy/ci-only.yaml', 1, 'pass', 'fail']);
    assert.equal(report.before.defaultRule, `REQUIRE_ATTESTATION by ${BUILT_BY_CI} (ENFORCED_BLOCK_AND_AUDIT_LOG)`);
    assert.equal(report.after.defaultRule, `REQUIRE_ATTESTATION by ${SECURITY_REVIEW} (ENFORCED_BLOCK_AND_AUDIT_LOG)`);
    assert.deepEqual(report.errors, []);
  });

  it('a plan that deletes the policy weakens; denied workloads become newly admitted; --fail-on-weaken fails it', async () => {
    const cwd = workspace();
    const args = ['impact', '--policy-file', 'deleted.plan.json', '--base-policy-file', 'base.yaml', ...EVIDENCE, 'deploy'];
    const run = await runCliJson<ImpactJson>([...args, '--format', 'json'], { cwd });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.report.policyChanges[0]?.field, '(policy)');
    assert.equal(run.report.policyChanges[0]?.effect, 'weakens');
    assert.deepEqual(byName(run.report), {
      both: 'unchanged',
      'ci-only': 'unchanged',
      none: 'newly-admitted',
      'review-only': 'newly-admitted',
      'source-deploy': 'unchanged',
    });
    assert.match(run.report.after.notes.map((n) => n.message).join('\n'), /falls back to Google's default policy/);
    const strict = await runCli([...args, '--fail-on-weaken', '--format', 'markdown'], { cwd });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /^### ❌ binauthz-gate: this policy change weakens enforcement$/m);
    assert.match(strict.stdout, /\| 🔓 weakens \| &#40;policy&#41; \|/);
    const text = await runCli(args, { cwd });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /🔓 Service none {2}fail -> pass {2}newly-admitted {2}\(deploy\/none\.yaml:1\)/);
    assert.match(text.stdout, /^Impact: PASS: 5 workload\(s\): 0 newly blocked, 2 newly admitted/m);
  });

  it('a policy that cannot be used is exit 2, naming it', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'unknown.plan.json'), '{"format_version": "1.2"');
    const run = await runCliJson<ImpactJson>(
      ['impact', '--format', 'json', '--policy-file', 'unknown.plan.json', '--base-policy-file', 'base.yaml', 'deploy'],
      { cwd },
    );
    assert.equal(run.code, 2);
    assert.equal(run.report.verdict, 'error');
    assert.ok(
      run.report.errors.some((e) => e.file === 'unknown.plan.json' && e.message.startsWith('new policy: ')),
      JSON.stringify(run.report.errors),
    );
  });

  it('refuses bad usage with exit 2 and says what is missing', async () => {
    const cwd = workspace();
    const cases: [string[], RegExp][] = [
      [['impact', '--base-policy-file', 'base.yaml', 'deploy'], /impact needs --policy-file NEW/],
      [['impact', '--policy-file', 'swapped.plan.json', 'deploy'], /impact needs the policy in force/],
      [['impact', '--policy-file', 'swapped.plan.json', '--base-policy-file', 'base.yaml'], /at least one PATH/],
      [
        ['impact', '--policy-file', 'swapped.plan.json', '--base-policy-file', 'base.yaml', '--format', 'sarif', 'deploy'],
        /--format must be one of text, json, markdown, not "sarif"\. See: binauthz-gate impact --help/,
      ],
      [['impact', '--policy-file', 'swapped.plan.json', '--base-policy-file', 'base.yaml', '--deployed', '--project', 'p'], /--deployed needs --region/],
      [
        ['impact', '--policy-file', 'swapped.plan.json', '--base-policy-file', 'base.yaml', '--region', 'us-central1', 'deploy'],
        /--region only counts with --deployed/,
      ],
      [['check', '--policy-file', 'base.yaml', '--fail-on-weaken', 'deploy'], /Unknown option '--fail-on-weaken'. See: binauthz-gate check --help/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args, { cwd });
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
    }
  });
});

describe('binauthz-gate impact against the live policy', () => {
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

  it('asks each question once for both policies: the policy, each attestor, each attestation list, each tag', async () => {
    const cwd = tempDir(after, 'cli-impact-live-');
    writeWorkspace(cwd);
    google.state.policies.set(`projects/${PROJECT}`, parse(BASE_POLICY) as object);
    for (const name of [BUILT_BY_CI, SECURITY_REVIEW]) google.state.attestors.set(name, attestorJson(name));
    // Tagged images, each resolved through the registry: ci-only is attested by CI, both by both.
    const tagged = [
      { name: 'tag-ci', digest: digestOf(11), by: [BUILT_BY_CI] },
      { name: 'tag-both', digest: digestOf(12), by: [BUILT_BY_CI, SECURITY_REVIEW] },
    ];
    for (const t of tagged) {
      registry.setTag(`${PROJECT}/apps/${t.name}`, 'v1', t.digest);
      writeFileSync(join(cwd, 'deploy', `${t.name}.yaml`), service(t.name, `${REPOSITORY}/${t.name}:v1`));
      for (const by of t.by) google.state.occurrences.push(occurrenceJson(by, `${REPOSITORY}/${t.name}@${t.digest}`));
    }
    const mirror = ['--registry-mirror', `us-docker.pkg.dev=${registry.url}`];
    const run = await runCliJson<ImpactJson>(['impact', '--format', 'json', '--project', PROJECT, '--policy-file', 'swapped.plan.json', ...mirror, 'deploy'], {
      cwd,
      env: google.env(),
    });
    assert.equal(run.stderr, '');
    assert.deepEqual(run.report.errors, []);
    assert.equal(run.code, 1);
    assert.equal(run.report.before.source, `projects/${PROJECT}/policy`);
    assert.deepEqual(byName(run.report), {
      'tag-both': 'unchanged',
      'tag-ci': 'newly-blocked',
      both: 'unchanged',
      'ci-only': 'unchanged',
      none: 'unchanged',
      'review-only': 'unchanged',
      'source-deploy': 'unchanged',
    });

    const count = (pattern: RegExp, requests: readonly { path: string }[]) => requests.filter((r) => pattern.test(r.path)).length;
    const paths = google.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`);
    assert.equal(new Set(paths).size, paths.length, `no question asked twice:\n${paths.join('\n')}`);
    assert.equal(count(/\/policy$/, google.requests), 1, 'the live policy once');
    assert.equal(count(/\/attestors\/built-by-ci$/, google.requests), 1);
    assert.equal(count(/\/attestors\/security-review$/, google.requests), 1);
    // Each (attestor, digest) any policy asks about, once: the two tagged images under both attestors.
    // The manifests' own workloads (no occurrences live) are asked about too, once each.
    const lists = google.requests.filter((r) => /\/notes\/[^/]+\/occurrences$/.test(r.path));
    const questions = lists.map((r) => `${r.path} ${JSON.stringify(r.query['filter'] ?? '')}`);
    assert.equal(new Set(questions).size, questions.length, 'each attestation list once');
    for (const t of tagged) {
      for (const note of ['built-by-ci', 'security-review']) {
        assert.equal(
          lists.filter((r) => r.path.endsWith(`/notes/${note}/occurrences`) && JSON.stringify(r.query).includes(t.digest)).length,
          1,
          `${note} for ${t.name}`,
        );
      }
    }
    const manifestGets = registry.requests.filter((r) => /\/manifests\//.test(r.path) && r.status === 200);
    assert.deepEqual(
      manifestGets.map((r) => r.path.replace(/\?.*$/, '')).sort(),
      tagged.map((t) => `/v2/${PROJECT}/apps/${t.name}/manifests/v1`).sort(),
      'each tag resolved once',
    );
  });
});
