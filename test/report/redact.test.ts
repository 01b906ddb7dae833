import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { MIN_SECRET_LENGTH, Redactor } from '../../src/report/redact.ts';

const secretArb = fc
  .string({ unit: 'grapheme-ascii', minLength: MIN_SECRET_LENGTH, maxLength: 48 })
  .filter((s) => s.trim() === s && s.length >= MIN_SECRET_LENGTH);
const bodyArb = fc.string({ unit: 'grapheme', maxLength: 60 });

/** A random error body with the secret placed at a random spot. */
function placed(prefix: string, secret: string, suffix: string): string {
  return `${prefix}${secret}${suffix}`;
}

describe('Redactor', () => {
  it('never lets a raw, URL-encoded or JSON-escaped secret through, wherever it sits', () => {
    fc.assert(
      fc.property(secretArb, bodyArb, bodyArb, fc.constantFrom('raw', 'url', 'form', 'json', 'json-twice'), (secret, prefix, suffix, form) => {
        fc.pre(!prefix.includes(secret) && !suffix.includes(secret));
        const redactor = new Redactor();
        redactor.add(secret);
        const text = placed(prefix, secret, suffix);
        const body =
          form === 'raw'
            ? text
            : form === 'url'
              ? `https://x.example/?q=${encodeURIComponent(text)}`
              : form === 'form'
                ? new URLSearchParams({ q: text }).toString()
                : form === 'json'
                  ? JSON.stringify({ error: { message: text } })
                  : JSON.stringify({ body: JSON.stringify({ message: text }) });
        const out = redactor.redact(body);
        assert.ok(!out.includes(secret), `raw secret in ${out}`);
        assert.ok(!out.includes(encodeURIComponent(secret)) || encodeURIComponent(secret) === secret);
        assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)));
        if (form === 'url') assert.ok(!decodeURIComponent(out.replace(/%(?![0-9A-F]{2})/gi, '')).includes(secret));
        if (form === 'form') assert.ok(!(new URLSearchParams(out).get('q') ?? '').includes(secret));
        if (form === 'json') assert.ok(!(JSON.parse(out) as { error: { message: string } }).error.message.includes(secret));
        if (form === 'json-twice') assert.ok(!JSON.parse((JSON.parse(out) as { body: string }).body).message.includes(secret));
      }),
      { numRuns: 400 },
    );
  });

  it('never lets a secret through inside base64 (standard or URL-safe) at any alignment', () => {
    fc.assert(
      fc.property(secretArb, bodyArb, bodyArb, fc.boolean(), (secret, prefix, suffix, urlSafe) => {
        fc.pre(!prefix.includes(secret) && !suffix.includes(secret));
        const redactor = new Redactor();
        redactor.add(secret);
        const encoded = Buffer.from(placed(prefix, secret, suffix), 'utf8').toString(urlSafe ? 'base64url' : 'base64');
        const out = redactor.redact(`Authorization-ish blob: ${encoded} (end)`);
        const blob = out.slice('Authorization-ish blob: '.length, -' (end)'.length);
        // Whatever is left, decoded piece by piece or glued together, does not hold the secret.
        for (const piece of [...blob.split('***'), blob.replaceAll('***', '')]) {
          assert.ok(
            !Buffer.from(piece, urlSafe ? 'base64url' : 'base64')
              .toString('utf8')
              .includes(secret),
            `secret decodable from ${out}`,
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it('ignores secrets shorter than the minimum, so short words are not starred', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    redactor.add('       ');
    redactor.add(null);
    assert.equal(redactor.redact('abc is fine, so is abcdefg'), 'abc is fine, so is abcdefg');
  });

  it('redacts Authorization header values, Bearer tokens and well-known token shapes nobody added', () => {
    const redactor = new Redactor();
    const text = [
      'echo: {"authorization": "Bearer s3cr3t-token-value"}',
      '[http "https://github.com/"] extraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==',
      'token ya29.a0AfH6SMBx-very-secret_token',
      'refresh 1//0gLongRefreshTokenValue123',
      'pat ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoifQ.c2lnbmF0dXJl',
    ].join('\n');
    const out = redactor.redact(text);
    for (const leaked of [
      's3cr3t-token-value',
      'eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA',
      'a0AfH6SMBx',
      '0gLongRefreshTokenValue123',
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'eyJzdWIiOiJ4eXoifQ',
    ]) {
      assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
    }
    // The product's own words are left alone.
    assert.equal(
      redactor.redact('Binary Authorization: failed to get policy projects/p/policy: HTTP 403'),
      'Binary Authorization: failed to get policy projects/p/policy: HTTP 403',
    );
  });

  it('redacts a private key PEM whole, by its base64 body and by each of its lines', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const redactor = new Redactor();
    redactor.addPem(pem);
    const lines = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
    const body = lines.join('');
    const out = redactor.redact(`a: ${lines[1]}\nb: ${body}\nc: ${JSON.stringify(pem)}\nd: ${pem.replace(/-----[A-Z ]+-----/g, '')}`);
    for (const line of lines) assert.ok(!out.includes(line), `line ${line} in ${out}`);
  });

  it('redacts the secret fields of a credential file (ADC, service-account key, external_account headers)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const redactor = new Redactor();
    redactor.addCredentialJson({
      type: 'service_account',
      private_key: pem,
      refresh_token: 'refresh-token-secret-1',
      client_secret: 'client-secret-value-2',
      credential_source: { url: 'https://x', headers: { Authorization: 'bearer request-token-3' } },
    });
    const out = redactor.redact(`${pem} refresh-token-secret-1 client-secret-value-2 request-token-3`);
    for (const leaked of ['refresh-token-secret-1', 'client-secret-value-2', 'request-token-3', pem.split('\n')[1] ?? 'x']) {
      assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
    }
  });

  it('redacts every string of a report-like value, keeping its shape', () => {
    const redactor = new Redactor();
    redactor.add('planted-secret-42');
    const value = { verdict: 'error', errors: [{ file: 'a.yaml', line: 3, message: 'saw planted-secret-42 here' }], count: 2 };
    assert.deepEqual(redactor.redactValue(value), { verdict: 'error', errors: [{ file: 'a.yaml', line: 3, message: 'saw *** here' }], count: 2 });
  });

  it('copies only what held a secret, shares the rest and leaves the value it was given as it was', () => {
    const redactor = new Redactor();
    redactor.add('planted-secret-42');
    const clean = { file: 'b.yaml', line: 1, containers: [{ image: 'gcr.io/p/app@sha256:1' }] };
    const dirty = { file: 'a.yaml', line: 3, message: 'saw planted-secret-42 here' };
    const keyed = { 'planted-secret-42': 1 };
    const value = { verdict: 'error', workloads: [clean, dirty], keyed, untouched: [clean] };
    const out = redactor.redactValue(value);
    assert.deepEqual(out, { verdict: 'error', workloads: [clean, { ...dirty, message: 'saw *** here' }], keyed: { '***': 1 }, untouched: [clean] });
    assert.notEqual(out, value);
    assert.notEqual(out.workloads, value.workloads);
    assert.equal(out.workloads[0], clean);
    assert.equal(out.untouched, value.untouched);
    assert.equal(dirty.message, 'saw planted-secret-42 here');
    assert.deepEqual(keyed, { 'planted-secret-42': 1 });
    const nothing = { workloads: [clean], errors: [] };
    assert.equal(redactor.redactValue(nothing), nothing);
  });
});
