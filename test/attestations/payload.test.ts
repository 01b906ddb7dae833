import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createSignaturePayload, parseSimpleSigningPayload } from '../../src/attestations/index.ts';
import { fixturePath } from './support.ts';

const GCLOUD_DIGEST = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('createSignaturePayload', () => {
  it('is byte-for-byte what gcloud create-signature-payload printed', () => {
    const expected = readFileSync(fixturePath('gcloud/signature-payload.json'));
    assert.deepEqual(createSignaturePayload('us-docker.pkg.dev/p1/repo/app', GCLOUD_DIGEST), expected);
  });

  it('drops a scheme or digest left on the reference, as gcloud does with an artifact URL', () => {
    const expected = readFileSync(fixturePath('gcloud/signature-payload.json'));
    const url = `https://us-docker.pkg.dev/p1/repo/app@${GCLOUD_DIGEST}`;
    assert.deepEqual(createSignaturePayload(url, GCLOUD_DIGEST), expected);
  });

  it('escapes non-ASCII as Python json.dumps does', () => {
    const text = createSignaturePayload('gcr.io/p/é\u007f', GCLOUD_DIGEST).toString('utf8');
    assert.match(text, /"docker-reference": "gcr\.io\/p\/\\u00e9\\u007f"/);
  });
});

describe('parseSimpleSigningPayload', () => {
  it('reads the reference and digest of the gcloud payload', () => {
    const parsed = parseSimpleSigningPayload(readFileSync(fixturePath('gcloud/signature-payload.json')));
    assert.deepEqual(parsed, {
      ok: true,
      payload: { dockerReference: 'us-docker.pkg.dev/p1/repo/app', manifestDigest: GCLOUD_DIGEST },
    });
  });

  it('round-trips createSignaturePayload', () => {
    const parsed = parseSimpleSigningPayload(createSignaturePayload('gcr.io/p/app', GCLOUD_DIGEST));
    assert.deepEqual(parsed, { ok: true, payload: { dockerReference: 'gcr.io/p/app', manifestDigest: GCLOUD_DIGEST } });
  });

  const bad: [string, string | Uint8Array, RegExp][] = [
    ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x7b]), /not UTF-8/],
    ['not JSON', '{"critical": ', /not JSON/],
    ['a JSON string', '"critical"', /no "critical" object/],
    ['no critical', '{}', /no "critical" object/],
    ['no digest', '{"critical": {"identity": {"docker-reference": "r"}, "image": {}}}', /docker-manifest-digest/],
    ['digest not a string', '{"critical": {"identity": {"docker-reference": "r"}, "image": {"docker-manifest-digest": 1}}}', /docker-manifest-digest/],
    ['no reference', '{"critical": {"image": {"docker-manifest-digest": "sha256:00"}}}', /docker-reference/],
  ];
  for (const [label, input, problem] of bad) {
    it(`reports a bad payload: ${label}`, () => {
      const parsed = parseSimpleSigningPayload(typeof input === 'string' ? Buffer.from(input) : input);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problem, problem);
    });
  }
});
