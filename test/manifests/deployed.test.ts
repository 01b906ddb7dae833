import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployedWorkload, type DeployedWorkload } from '../../src/manifests/deployed.ts';
import { deployedJob, deployedService } from '../helpers/fake-cloud-run.ts';

const IMAGE = `us-docker.pkg.dev/p1/apps/web@sha256:${'a'.repeat(64)}`;

function workload(value: ReturnType<typeof deployedWorkload>): DeployedWorkload {
  assert.ok('deployed' in value, 'a workload, not skipped');
  return value;
}

describe('deployed workloads', () => {
  it('reads a v2 Service as its next revision deploy: images, enforcement, region and serving revision', () => {
    const service = workload(
      deployedWorkload(
        'p1',
        'us-central1',
        deployedService('p1', 'us-central1', 'web', [IMAGE, 'gcr.io/p1/proxy:1'], { useDefault: true }) as Record<string, unknown>,
      ),
    );
    assert.equal(service.kind, 'Service');
    assert.equal(service.name, 'web');
    assert.equal(service.file, 'projects/p1/locations/us-central1/services/web');
    assert.deepEqual(
      service.containers.map((c) => c.image),
      [IMAGE, 'gcr.io/p1/proxy:1'],
    );
    assert.equal(service.enforcement.mode, 'default');
    assert.deepEqual(service.deployed, {
      project: 'p1',
      region: 'us-central1',
      resource: 'projects/p1/locations/us-central1/services/web',
      current: 'web-00007-xyz',
      breakglass: false,
    });
  });

  it('reads a v2 Job as its next execution, and marks breakglass', () => {
    const job = workload(
      deployedWorkload(
        'p1',
        'europe-west1',
        deployedJob('p1', 'europe-west1', 'nightly', [IMAGE], { useDefault: true, breakglassJustification: 'INC-7' }) as Record<string, unknown>,
      ),
    );
    assert.equal(job.kind, 'Job');
    assert.deepEqual(
      job.containers.map((c) => c.image),
      [IMAGE],
    );
    assert.equal(job.deployed.current, 'nightly-abcde');
    assert.equal(job.deployed.breakglass, true);
    assert.ok(job.enforcement.mode === 'default' && job.enforcement.breakglass === 'INC-7');
  });

  it('reads a service without binaryAuthorization as not enforced', () => {
    const service = workload(deployedWorkload('p1', 'us-central1', deployedService('p1', 'us-central1', 'open', [IMAGE]) as Record<string, unknown>));
    assert.equal(service.enforcement.mode, 'not-enforced');
  });
});
