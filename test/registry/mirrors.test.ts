import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeMirrors, realmTarget, targetFor } from '../../src/registry/mirrors.ts';

describe('targetFor', () => {
  const mirrors = normalizeMirrors(
    new Map([
      ['Docker.io', 'http://127.0.0.1:5000/hub/'],
      ['gcr.io', 'http://127.0.0.1:5001'],
    ]),
  );

  it('goes to https://HOST without a mirror', () => {
    assert.deepEqual(targetFor(mirrors, 'quay.io', '/v2/a/manifests/b'), { url: 'https://quay.io/v2/a/manifests/b', host: 'quay.io', via: null });
  });

  it('goes through a mirror keyed by the host or its alias, keeping the mirror path', () => {
    assert.deepEqual(targetFor(mirrors, 'registry-1.docker.io', '/v2/library/nginx/manifests/1', ['docker.io']), {
      url: 'http://127.0.0.1:5000/hub/v2/library/nginx/manifests/1',
      host: 'registry-1.docker.io',
      via: 'http://127.0.0.1:5000',
    });
    assert.equal(targetFor(mirrors, 'gcr.io', '/v2/p/a/manifests/1').url, 'http://127.0.0.1:5001/v2/p/a/manifests/1');
  });

  it('mirrors a token realm by its host', () => {
    assert.equal(realmTarget(mirrors, new URL('https://gcr.io/v2/token?scope=x')).url, 'http://127.0.0.1:5001/v2/token?scope=x');
    assert.equal(realmTarget(mirrors, new URL('https://auth.docker.io/token?scope=x')).url, 'https://auth.docker.io/token?scope=x');
  });
});
