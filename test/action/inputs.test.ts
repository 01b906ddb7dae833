import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MANIFEST_PATTERNS, readInputs } from '../../src/action/inputs.ts';
import { matchesManifestPatterns, unmatchedPatterns } from '../../src/action/select-manifests.ts';
import { parseBuiltImages, substituteImages } from '../../src/manifests/substitute-images.ts';
import type { Workload } from '../../src/manifests/workload.ts';

const D = 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed';
const inputs = (values: Record<string, string>) => readInputs((name) => values[name] ?? '');

describe('readInputs', () => {
  it('gives every empty input its default', () => {
    const settings = inputs({});
    assert.deepEqual(settings.mode, { kind: 'check', builtImages: [] });
    assert.deepEqual(settings.manifests, DEFAULT_MANIFEST_PATTERNS);
    assert.equal(settings.comment, true);
    assert.equal(settings.failOn, 'fail');
    assert.equal(settings.requireEnforcement, true);
    assert.equal(settings.resolveTags, true);
    assert.equal(settings.projectId, null);
    assert.equal(settings.concurrency, 8);
    assert.equal(settings.timeoutMs, 60_000);
    assert.equal(settings.maxFileBytes, 4 * 1024 * 1024);
    assert.deepEqual(settings.mirrors, new Map());
    assert.equal(settings.allowEmpty, true);
  });

  it('reads concurrency, registry_mirrors (one HOST=URL per line), max_file_size and allow_empty', () => {
    const settings = inputs({
      concurrency: '16',
      registry_mirrors: 'gcr.io=https://m1.example\n# comment\n\ndocker.io = http://127.0.0.1:5000/',
      max_file_size: '512KB',
      allow_empty: 'false',
    });
    assert.equal(settings.concurrency, 16);
    assert.deepEqual(
      [...settings.mirrors],
      [
        ['gcr.io', 'https://m1.example'],
        ['docker.io', 'http://127.0.0.1:5000/'],
      ],
    );
    assert.equal(settings.maxFileBytes, 512 * 1024);
    assert.equal(settings.allowEmpty, false);
    assert.throws(() => inputs({ concurrency: '0' }), /^UserError: Input concurrency must be a whole number from 1 to 64, not "0"$/);
    assert.throws(
      () => inputs({ registry_mirrors: 'gcr.io' }),
      /^UserError: Input registry_mirrors must be HOST=URL \(e\.g\. gcr\.io=https:\/\/mirror\.example\), not "gcr\.io"$/,
    );
    assert.throws(() => inputs({ max_file_size: 'huge' }), /^UserError: Input max_file_size must be a size such as 4MB or 512KB, not "huge"$/);
    assert.throws(() => inputs({ allow_empty: 'perhaps' }), /^UserError: Input allow_empty must be true or false, not "perhaps"$/);
  });

  it('reads manifests one pattern per line, never split on commas (braces work), with # comments', () => {
    const settings = inputs({ manifests: 'deploy/**/*.{yaml,yml}\n# jobs too\njobs/*.yml\n!jobs/old.yml\n', images: `gcr.io/p/app@${D}\n` });
    assert.deepEqual(settings.manifests, ['deploy/**/*.{yaml,yml}', 'jobs/*.yml', '!jobs/old.yml']);
    assert.equal(settings.mode.kind === 'check' && settings.mode.builtImages[0]?.written, `gcr.io/p/app@${D}`);
  });

  it('reads timeout in seconds (default 60) and refuses anything else', () => {
    assert.equal(inputs({}).timeoutMs, 60_000);
    assert.equal(inputs({ timeout: '5' }).timeoutMs, 5_000);
    assert.equal(inputs({ timeout: '2m' }).timeoutMs, 120_000);
    for (const bad of ['0', '1.5', '-3', 'soon', '3601', '2d']) {
      assert.throws(
        () => inputs({ timeout: bad }),
        new RegExp(`^UserError: Input timeout must be a duration from 1 to 3600 seconds \\(such as 60, 90s or 2m\\), not "${bad.replace('.', '\\.')}"$`),
      );
    }
  });

  it('names the input and what was expected', () => {
    assert.throws(() => inputs({ fail_on: 'sometimes' }), /^UserError: Input fail_on must be one of never, error, fail, warn, not "sometimes"$/);
    assert.throws(() => inputs({ comment: 'maybe' }), /^UserError: Input comment must be true or false, not "maybe"$/);
    assert.throws(() => inputs({ mode: 'deploy' }), /^UserError: Input mode must be one of check, attest, not "deploy"$/);
    assert.throws(() => inputs({ images: 'gcr.io/p/app:latest' }), /Invalid images: "gcr.io\/p\/app:latest" has no digest/);
    assert.throws(
      () => inputs({ mode: 'attest', kms_key_version: 'k' }),
      /^UserError: Input attestor must be an attestor name, projects\/PROJECT\/attestors\/ATTESTOR, not ""$/,
    );
    assert.throws(
      () => inputs({ mode: 'attest', attestor: 'projects/p/attestors/a', kms_key_version: 'k' }),
      /^UserError: Input kms_key_version must be a Cloud KMS key version, .*, not "k"$/,
    );
    assert.throws(() => inputs({ manifests: '!x/**' }), /only exclusions/);
  });

  it('attest mode needs images: the build names what it made, and manifests never stand in for it', () => {
    const attest = {
      mode: 'attest',
      attestor: 'projects/p/attestors/a',
      kms_key_version: 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
    };
    for (const images of ['', '\n  \n', '# none\n']) {
      assert.throws(
        () => inputs({ ...attest, images }),
        (error: Error) => error.name === 'UserError' && /^Invalid images: empty\. Expected the images the build pushed/.test(error.message),
      );
    }
  });

  it('reads the attest mode', () => {
    const settings = inputs({
      mode: 'attest',
      attestor: 'projects/p/attestors/a',
      kms_key_version: 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
      images: `gcr.io/p/app@${D}`,
    });
    assert.deepEqual(settings.mode, {
      kind: 'attest',
      attestor: 'projects/p/attestors/a',
      kmsKeyVersion: 'projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
      images: [`gcr.io/p/app@${D}`],
    });
  });
});

describe('matchesManifestPatterns', () => {
  it('includes by pattern and excludes by !pattern', () => {
    assert.ok(matchesManifestPatterns('deploy/web.yaml', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(matchesManifestPatterns('web.yml', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(!matchesManifestPatterns('.github/workflows/ci.yml', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(!matchesManifestPatterns('app/node_modules/x/a.yaml', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(!matchesManifestPatterns('README.md', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(matchesManifestPatterns('.config/run.yaml', DEFAULT_MANIFEST_PATTERNS), 'dot folders other than .github are searched');
  });

  it('covers every extension the CLI reads, whatever its case', () => {
    for (const path of ['deploy/svc.json', 'deploy/svc.YAML', 'svc.Yml', 'a/b/c.JSON'])
      assert.ok(matchesManifestPatterns(path, DEFAULT_MANIFEST_PATTERNS), path);
    assert.ok(!matchesManifestPatterns('deploy/svc.yaml.bak', DEFAULT_MANIFEST_PATTERNS));
    assert.ok(matchesManifestPatterns('.GITHUB/svc.yaml', DEFAULT_MANIFEST_PATTERNS), 'exclusions match exactly: they cannot hide another folder');
  });

  it('takes braces and the other minimatch forms', () => {
    const patterns = ['deploy/**/*.{yaml,yml}', '!deploy/**/test-*'];
    assert.ok(matchesManifestPatterns('deploy/a/b/svc.yml', patterns));
    assert.ok(matchesManifestPatterns('deploy/svc.yaml', patterns));
    assert.ok(!matchesManifestPatterns('deploy/a/test-svc.yaml', patterns));
    assert.ok(!matchesManifestPatterns('other/svc.yaml', patterns));
    assert.ok(matchesManifestPatterns('jobs/nightly.yaml', ['jobs/+(nightly|weekly).yaml']));
  });
});

describe('unmatchedPatterns', () => {
  it('names each including pattern that matches no file, and never an exclusion', () => {
    const files = ['deploy/svc.yaml', 'README.md'];
    assert.deepEqual(unmatchedPatterns(files, ['deploy/**/*.{yaml,yml}', 'k8s/**/*.yaml', '!nothing/**']), ['k8s/**/*.yaml']);
    assert.deepEqual(unmatchedPatterns(files, DEFAULT_MANIFEST_PATTERNS), []);
  });
});

describe('substituteImages', () => {
  const workload = (images: string[]): Workload => ({
    kind: 'Service',
    api: 'v1',
    name: 'w',
    file: 'w.yaml',
    line: 1,
    enforcement: { mode: 'default', breakglass: null },
    containers: images.map((image, i) => ({ name: `c${i}`, image, line: i + 10 })),
    notes: [],
    problems: [],
  });
  it("replaces the same repository's image, whatever its tag, and notes it", () => {
    const built = parseBuiltImages([`gcr.io/p/app@${D}`]);
    assert.ok(built.ok);
    const [result] = substituteImages([workload(['gcr.io/p/app:latest', 'gcr.io/p/sidecar:1', 'gcr.io/p/app-other:2'])], built.images);
    assert.deepEqual(
      result?.containers.map((c) => c.image),
      [`gcr.io/p/app@${D}`, 'gcr.io/p/sidecar:1', 'gcr.io/p/app-other:2'],
    );
    assert.match(result?.notes[0] ?? '', /gcr\.io\/p\/app:latest replaced by the built image/);
  });
  it('treats Docker Hub spellings of one repository as the same', () => {
    const built = parseBuiltImages([`docker.io/library/nginx@${D}`]);
    assert.ok(built.ok);
    assert.equal(substituteImages([workload(['nginx:1.27'])], built.images)[0]?.containers[0]?.image, `docker.io/library/nginx@${D}`);
  });
});

describe('readInputs: deployed_regions and policy_address', () => {
  it('reads regions one per line, all alone, and refuses what is not a region', () => {
    assert.equal(inputs({}).deployedRegions, null);
    assert.deepEqual(inputs({ deployed_regions: 'us-central1\n# later\neurope-west1\nus-central1\n' }).deployedRegions, ['us-central1', 'europe-west1']);
    assert.deepEqual(inputs({ deployed_regions: 'us-central1\nall' }).deployedRegions, ['all']);
    assert.throws(() => inputs({ deployed_regions: 'us-central1/../x' }), /Invalid deployed_regions 'us-central1\/\.\.\/x'/);
    assert.equal(inputs({ policy_address: ' module.b.google_binary_authorization_policy.p ' }).policyAddress, 'module.b.google_binary_authorization_policy.p');
    assert.equal(inputs({}).policyAddress, null);
  });
});
