// runImpact in process, files only: a base policy file, the proposed policy (a policy file or a
// Terraform plan), manifests, and the attestors and attestations as gcloud exports them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runDeployedCheck, runImpact, runImpactReports, type DeployedLoader, type ImpactSettings } from '../../src/run/impact.ts';
import { impactExitCode } from '../../src/report/impact.ts';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';
import type { LiveServices } from '../../src/run/settings.ts';
import { tempDir } from '../helpers/temp.ts';
import { BUILT_BY_CI, PROJECT, SECURITY_REVIEW, SERVICES, service, writeWorkspace } from '../helpers/impact-fixtures.ts';

const notCalled: DeployedLoader = async () => assert.fail('nothing deployed was asked for');

function settings(dir: string, overrides: Partial<ImpactSettings> = {}): ImpactSettings {
  return {
    policy: { from: 'file', path: 'swapped.plan.json', planAddress: null, project: PROJECT },
    basePolicy: { from: 'file', path: 'base.yaml', project: PROJECT },
    attestations: { from: 'files', attestorsFile: 'attestors.json', attestationsFile: 'attestations.json' },
    paths: ['deploy'],
    files: { workingFolder: dir, paths: 'named' },
    allowEmpty: false,
    requireEnforcement: true,
    maxFileBytes: 4 * 1024 * 1024,
    deployed: null,
    failOnWeaken: false,
    ...overrides,
  };
}

const changes = (report: Awaited<ReturnType<typeof runImpact>>) =>
  Object.fromEntries(report.workloads.map((w) => [w.name, `${w.before}->${w.after} ${w.change}`]));

describe('runImpact', () => {
  it('#14929: the swapped attestor weakens, and what only built-by-ci attested is newly blocked', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const report = await runImpact(settings(dir), null, notCalled);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(changes(report), {
      'ci-only': 'pass->fail newly-blocked',
      both: 'pass->pass unchanged',
      'review-only': 'fail->pass newly-admitted',
      none: 'fail->fail unchanged',
      'source-deploy': 'pass->pass unchanged',
    });
    assert.deepEqual(
      report.policyChanges.map((c) => [c.field, c.before, c.after, c.effect]),
      [
        ['defaultAdmissionRule.requireAttestationsBy', BUILT_BY_CI, null, 'weakens'],
        ['defaultAdmissionRule.requireAttestationsBy', null, SECURITY_REVIEW, 'tightens'],
      ],
    );
    assert.equal(report.verdict, 'fail');
    assert.equal(impactExitCode(report), 1);
    assert.equal(report.counts['newly-blocked'], 1);
    assert.equal(report.counts['newly-admitted'], 1);
    assert.equal(report.counts.unchanged, 3);
    assert.equal(report.before.source, 'file:base.yaml');
    assert.equal(report.after.source, 'file:swapped.plan.json#module.binauthz.google_binary_authorization_policy.policy');
  });

  it('a deleted policy weakens: denied workloads become newly admitted, and nothing is blocked', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const report = await runImpact(settings(dir, { policy: { from: 'file', path: 'deleted.plan.json', project: PROJECT } }), null, notCalled);
    assert.deepEqual(report.errors, []);
    assert.equal(changes(report)['none'], 'fail->pass newly-admitted');
    assert.equal(changes(report)['review-only'], 'fail->pass newly-admitted');
    assert.equal(report.counts['newly-blocked'], 0);
    const deleted = report.policyChanges.find((c) => c.field === '(policy)');
    assert.equal(deleted?.effect, 'weakens');
    assert.equal(report.policyChanges.find((c) => c.field === 'defaultAdmissionRule.evaluationMode')?.effect, 'weakens');
    assert.equal(impactExitCode(report), 0, 'a weakening alone passes');
    const strict = await runImpact(
      settings(dir, { policy: { from: 'file', path: 'deleted.plan.json', project: PROJECT }, failOnWeaken: true }),
      null,
      notCalled,
    );
    assert.equal(strict.verdict, 'fail');
    assert.equal(impactExitCode(strict), 1, '--fail-on-weaken fails it');
  });

  it('the same policy twice changes nothing and passes', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const report = await runImpact(settings(dir, { policy: { from: 'file', path: 'base.yaml' } }), null, notCalled);
    assert.deepEqual(report.policyChanges, []);
    assert.equal(report.counts.unchanged, SERVICES.length);
    assert.equal(impactExitCode(report), 0);
  });

  for (const role of ['base', 'new'] as const) {
    it(`a ${role} policy that cannot be used is an error naming it, and nothing is evaluated`, async (t) => {
      const dir = tempDir(t, 'impact-run-');
      writeWorkspace(dir);
      writeFileSync(join(dir, 'broken.yaml'), 'defaultAdmissionRule:\n  evaluationMode: SOMETIMES\n');
      const broken = { from: 'file' as const, path: 'broken.yaml' };
      const report = await runImpact(settings(dir, role === 'base' ? { basePolicy: broken } : { policy: broken }), null, notCalled);
      assert.equal(report.verdict, 'error');
      assert.equal(impactExitCode(report), 2);
      assert.deepEqual(report.workloads, []);
      assert.ok(
        report.errors.some((e) => e.file === 'broken.yaml' && e.message.startsWith(`${role} policy: `)),
        JSON.stringify(report.errors),
      );
      assert.ok(
        report.errors.some(
          (e) => e.message === `the ${role} policy (file:broken.yaml) cannot be used: none of the ${SERVICES.length} workload(s) found was evaluated`,
        ),
      );
    });
  }

  it('a plan with two policies and no --policy-address is an error; the address picks one', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const two = new URL('../fixtures/terraform/two-policies.plan.json', import.meta.url).pathname;
    const report = await runImpact(settings(dir, { policy: { from: 'file', path: two } }), null, notCalled);
    assert.equal(impactExitCode(report), 2);
    assert.match(report.errors.map((e) => e.message).join('\n'), /new policy: .*pick one with --policy-address/);
    const prod = await runImpact(
      settings(dir, { policy: { from: 'file', path: two, planAddress: 'google_binary_authorization_policy.prod' } }),
      null,
      notCalled,
    );
    assert.deepEqual(prod.errors, []);
    assert.equal(changes(prod)['ci-only'], 'pass->fail newly-blocked', 'prod requires security-review');
    const staging = await runImpact(
      settings(dir, { policy: { from: 'file', path: two, planAddress: 'google_binary_authorization_policy.staging' } }),
      null,
      notCalled,
    );
    assert.equal(changes(staging)['none'], 'fail->pass newly-admitted', 'staging allows everything');
  });

  it('nothing to evaluate is an error, unless allowed', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    writeFileSync(join(dir, 'empty.yaml'), 'kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: x\n');
    assert.equal(impactExitCode(await runImpact(settings(dir, { paths: ['empty.yaml'] }), null, notCalled)), 2);
    assert.equal(impactExitCode(await runImpact(settings(dir, { paths: ['empty.yaml'], allowEmpty: true }), null, notCalled)), 0);
  });

  it('what is deployed joins the manifests, through the loader, once', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const calls: string[] = [];
    const deployedService = readWorkloads('projects/my-prod/locations/us-central1/services/live-ci', service('live-ci', SERVICES[0]!.image)).workloads;
    const loader: DeployedLoader = async (project, regions) => {
      calls.push(`${project} ${regions.join(',')}`);
      return { workloads: [...deployedService], skipped: [], errors: [{ file: null, line: null, message: 'europe-west1: listing jobs failed' }] };
    };
    const live = { apis: {} as LiveServices['apis'], resolveTag: null };
    const report = await runImpact(settings(dir, { paths: [], deployed: { project: PROJECT, regions: ['us-central1', 'europe-west1'] } }), live, loader);
    assert.deepEqual(calls, ['my-prod us-central1,europe-west1']);
    assert.deepEqual(changes(report), { 'live-ci': 'pass->fail newly-blocked' });
    assert.equal(report.verdict, 'error', 'a region that could not be listed fails closed');
    assert.deepEqual(
      report.errors.map((e) => e.message),
      ['europe-west1: listing jobs failed'],
    );
  });

  it('a deployed resource the loader could not read is listed as skipped, in the check and in the impact', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const unreadable = { file: 'projects/my-prod/locations/us-central1/services/odd', line: 1, kind: 'Service', why: 'not a Cloud Run v2 Service' };
    const deployedService = readWorkloads('projects/my-prod/locations/us-central1/services/live-ci', service('live-ci', SERVICES[0]!.image)).workloads;
    const loader: DeployedLoader = async () => ({ workloads: [...deployedService], skipped: [unreadable], errors: [] });
    const live = { apis: {} as LiveServices['apis'], resolveTag: null };
    const reports = await runImpactReports(settings(dir, { paths: [], deployed: { project: PROJECT, regions: ['us-central1'] } }), live, loader);
    assert.deepEqual(reports.after?.skipped, [unreadable]);
    const check = await runDeployedCheck(
      {
        policy: { from: 'file', path: 'base.yaml', project: PROJECT },
        attestations: { from: 'files', attestorsFile: 'attestors.json', attestationsFile: 'attestations.json' },
        deployed: { project: PROJECT, regions: ['us-central1'] },
        requireEnforcement: true,
        reading: { workingFolder: dir, maxFileBytes: 1 << 20 },
      },
      live,
      loader,
    );
    assert.deepEqual(check.skipped, [unreadable]);
  });

  it('what is deployed without live mode is an error, never an empty pass', async (t) => {
    const dir = tempDir(t, 'impact-run-');
    writeWorkspace(dir);
    const report = await runImpact(settings(dir, { deployed: { project: PROJECT, regions: ['all'] } }), null, notCalled);
    assert.equal(impactExitCode(report), 2);
    assert.match(report.errors[0]?.message ?? '', /cannot be listed: live mode is not available/);
  });
});
