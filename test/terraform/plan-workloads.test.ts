import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readWorkloads } from '../../src/manifests/read-workloads.ts';
import type { Workload } from '../../src/manifests/workload.ts';

const text = readFileSync(new URL('../fixtures/terraform/run-workloads.plan.json', import.meta.url), 'utf8');

function byName(workloads: readonly Workload[], name: string): Workload {
  const found = workloads.find((w) => w.name === name);
  assert.ok(found, `${name} is read (read: ${workloads.map((w) => w.name).join(', ')})`);
  return found;
}

describe('Cloud Run workloads from a Terraform plan', () => {
  const set = readWorkloads('plan.json', text);

  it('reads v2 services, v2 jobs and v1 services, named by resource address', () => {
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.workloads.map((w) => `${w.kind} ${w.api} ${w.name}`).sort(), [
      'Job v2 module.batch.google_cloud_run_v2_job.nightly',
      'Service v1 google_cloud_run_service.legacy',
      'Service v2 google_cloud_run_v2_service.api',
      'Service v2 google_cloud_run_v2_service.hotfix',
      'Service v2 module.app["eu/west"].google_cloud_run_v2_service.worker',
    ]);
    for (const workload of set.workloads) assert.equal(workload.file, 'plan.json');
  });

  it('reads images where the provider puts them', () => {
    assert.deepEqual(
      byName(set.workloads, 'google_cloud_run_v2_service.api').containers.map((c) => c.image),
      [`us-docker.pkg.dev/my-prod/apps/api@sha256:${'a'.repeat(64)}`],
    );
    assert.deepEqual(
      byName(set.workloads, 'module.batch.google_cloud_run_v2_job.nightly').containers.map((c) => c.image),
      [`us-docker.pkg.dev/my-prod/apps/nightly@sha256:${'a'.repeat(64)}`],
    );
    assert.deepEqual(
      byName(set.workloads, 'google_cloud_run_service.legacy').containers.map((c) => c.image),
      [`us-docker.pkg.dev/my-prod/apps/legacy@sha256:${'a'.repeat(64)}`],
    );
  });

  it('reads enforcement from binary_authorization (v2) and the annotation on metadata[0] (v1)', () => {
    assert.equal(byName(set.workloads, 'google_cloud_run_v2_service.api').enforcement.mode, 'default');
    assert.equal(
      byName(set.workloads, 'module.batch.google_cloud_run_v2_job.nightly').enforcement.mode,
      'not-enforced',
      'binary_authorization: [] enforces nothing',
    );
    assert.equal(byName(set.workloads, 'google_cloud_run_service.legacy').enforcement.mode, 'default');
    const hotfix = byName(set.workloads, 'google_cloud_run_v2_service.hotfix').enforcement;
    assert.ok(hotfix.mode === 'default' && hotfix.breakglass === 'INC-42: prod outage', 'the breakglass justification is read');
  });

  it('makes an image known only after apply a problem of its workload, never a pass', () => {
    const worker = byName(set.workloads, 'module.app["eu/west"].google_cloud_run_v2_service.worker');
    assert.match(worker.problems.join('\n'), /image of container app is known only after apply/);
  });

  it('lists planned deletes, worker pools and other resources as skipped, and checks none of them', () => {
    const skipped = set.skipped.map((s) => `${s.kind}: ${s.why}`);
    assert.ok(
      skipped.some((s) => /^google_cloud_run_v2_service\.retired \(planned delete\): the plan deletes it/.test(s)),
      skipped.join('\n'),
    );
    assert.ok(skipped.some((s) => /^google_cloud_run_v2_worker_pool\.pool: a Cloud Run worker pool/.test(s)));
    assert.ok(
      skipped.some((s) => /^Terraform plan: 1 other planned resource/.test(s)),
      'the bucket is counted; the data source is not a resource',
    );
    assert.equal(
      set.workloads.some((w) => /retired|pool/.test(w.name)),
      false,
    );
  });

  it('reads a plan without resource_changes from planned_values and its child modules', () => {
    const plan = JSON.parse(text) as { resource_changes: { change: { after: unknown }; address: string; type: string }[] };
    const resources = plan.resource_changes
      .filter((r) => r.change.after && r.type.startsWith('google_cloud_run_v2_service'))
      .map((r) => ({ address: r.address, mode: 'managed', type: r.type, values: r.change.after }));
    const trimmed = {
      format_version: '0.1',
      planned_values: { root_module: { resources: resources.slice(0, 1), child_modules: [{ address: 'module.app', resources: resources.slice(1) }] } },
    };
    const read = readWorkloads('plan.json', JSON.stringify(trimmed));
    assert.deepEqual(read.workloads.map((w) => w.name).sort(), resources.map((r) => r.address).sort());
  });

  it('refuses a plan whose resource_changes are not resource changes', () => {
    const read = readWorkloads('plan.json', JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'x' }] }));
    assert.equal(read.workloads.length, 0);
    assert.match(read.problems[0]?.message ?? '', /resource_changes\.0 is not a resource change/);
  });
});
