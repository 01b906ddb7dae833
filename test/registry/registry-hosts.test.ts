import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiHost, isGoogleHost } from '../../src/registry/registry-hosts.ts';

describe('apiHost', () => {
  it('serves Docker Hub names from registry-1.docker.io and leaves other hosts alone', () => {
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('Index.Docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('registry-1.docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('localhost:5000'), 'localhost:5000');
  });
});

describe('isGoogleHost', () => {
  it('knows Artifact Registry and Container Registry hosts', () => {
    for (const host of ['gcr.io', 'eu.gcr.io', 'us-docker.pkg.dev', 'europe-west1-docker.pkg.dev', 'GCR.IO', 'gcr.io:443']) {
      assert.equal(isGoogleHost(host), true, host);
    }
  });

  it('refuses look-alikes', () => {
    for (const host of ['evilgcr.io', 'gcr.io.example.com', 'pkg.dev.example.com', 'docker.io', 'ghcr.io', 'localhost:5000']) {
      assert.equal(isGoogleHost(host), false, host);
    }
  });
});
