import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthChallenge } from '../../src/registry/auth-challenge.ts';

describe('parseAuthChallenge', () => {
  it('reads realm, service and scope from a Docker Hub challenge', () => {
    const challenge = parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
    assert.equal(challenge.scheme, 'bearer');
    if (challenge.scheme !== 'bearer') return;
    assert.equal(challenge.realm.href, 'https://auth.docker.io/token');
    assert.equal(challenge.service, 'registry.docker.io');
    assert.equal(challenge.scope, 'repository:library/nginx:pull');
  });

  it('accepts any case, spaces after commas, unquoted values and escaped quotes', () => {
    const challenge = parseAuthChallenge('bearer Realm="https://r.example/t?a=1", service=svc,  scope="repository:a\\"b:pull"');
    assert.deepEqual(challenge.scheme === 'bearer' ? [challenge.realm.href, challenge.service, challenge.scope] : null, [
      'https://r.example/t?a=1',
      'svc',
      'repository:a"b:pull',
    ]);
  });

  it('prefers Bearer when a header offers Basic too', () => {
    assert.equal(parseAuthChallenge('Basic realm="x", Bearer realm="https://r.example/token"').scheme, 'bearer');
    assert.deepEqual(parseAuthChallenge('Basic realm="Registry Realm"'), { scheme: 'basic' });
  });

  it('has no challenge for a missing or blank header', () => {
    assert.deepEqual(parseAuthChallenge(null), { scheme: 'none' });
    assert.deepEqual(parseAuthChallenge('  '), { scheme: 'none' });
  });

  it('says why a challenge cannot be answered', () => {
    const why = (header: string) => {
      const challenge = parseAuthChallenge(header);
      return challenge.scheme === 'unusable' ? challenge.why : challenge.scheme;
    };
    assert.equal(why('Bearer service="x"'), "the registry's Bearer challenge names no token realm");
    assert.equal(why('Bearer realm="/token"'), 'the registry\'s token realm "/token" is not a URL');
    assert.equal(why('Bearer realm="file:///etc/passwd"'), 'the registry\'s token realm "file:///etc/passwd" is not an http(s) URL');
    assert.equal(why('Negotiate abc'), 'the registry asks for "Negotiate" authentication, which is not supported');
  });
});
