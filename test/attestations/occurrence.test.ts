import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOccurrences } from '../../src/attestations/index.ts';
import { occurrenceJson, readFixture, readJsonFixture } from './support.ts';

describe('parseOccurrences', () => {
  it('reads the occurrences gcloud attestations list printed, URL-safe base64 and all', () => {
    const { occurrences, problems } = parseOccurrences(readJsonFixture('gcloud/attestations-list.json'));
    assert.deepEqual(problems, []);
    assert.equal(occurrences.length, 2);
    const [kms, rsa] = occurrences;
    assert.equal(kms?.name, 'projects/p1/occurrences/bc8cdda2-dd91-4e7a-b21c-d29c1a6022b1');
    assert.equal(kms?.noteName, 'projects/p1/notes/n1');
    assert.equal(kms?.resourceUri, 'us-docker.pkg.dev/p1/repo/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    assert.deepEqual(kms?.payload, { kind: 'bytes', bytes: Buffer.from(readFixture('gcloud/signature-payload.json')) });
    assert.equal(rsa?.signatures[0]?.publicKeyId, 'ni:///sha-256;local-rsa');
    assert.equal(rsa?.signatures[0]?.signature.kind === 'bytes' && rsa.signatures[0].signature.bytes.length, 256);
  });

  it('keeps the whole armoured message of a PGP attestation as the signature bytes', () => {
    const { occurrences } = parseOccurrences(readJsonFixture('gcloud/pgp-attestations-list.json'));
    const signature = occurrences[0]?.signatures[0]?.signature;
    assert.equal(signature?.kind, 'bytes');
    if (signature?.kind === 'bytes') assert.match(signature.bytes.toString('utf8'), /^-----BEGIN PGP MESSAGE-----/);
  });

  it('accepts one occurrence and the REST list body', () => {
    const one = occurrenceJson({ payload: Buffer.from('p'), signatures: [{ publicKeyId: 'k', signature: Buffer.from('s') }] });
    assert.equal(parseOccurrences(one).occurrences.length, 1);
    assert.equal(parseOccurrences({ occurrences: [one, one] }).occurrences.length, 2);
  });

  it('skips occurrences of other kinds and broken ones with a problem naming them', () => {
    const good = occurrenceJson({ payload: Buffer.from('p'), signatures: [{ publicKeyId: 'k', signature: Buffer.from('s') }] });
    const { occurrences, problems } = parseOccurrences([
      { ...good, name: 'projects/p1/occurrences/v', kind: 'VULNERABILITY' },
      { ...good, name: 'projects/p1/occurrences/nonote', noteName: undefined },
      { ...good, name: 'projects/p1/occurrences/nouri', resourceUri: '' },
      { ...good, name: 'projects/p1/occurrences/noatt', attestation: undefined },
      7,
      good,
    ]);
    assert.equal(occurrences.length, 1);
    assert.deepEqual(problems, [
      'Occurrence projects/p1/occurrences/v is of kind VULNERABILITY, not ATTESTATION; it is skipped.',
      'Occurrence projects/p1/occurrences/nonote has no noteName; it is skipped.',
      'Occurrence projects/p1/occurrences/nouri has no resourceUri; it is skipped.',
      'Occurrence projects/p1/occurrences/noatt has no attestation; it is skipped.',
      'Occurrence #5 is not an object; it is skipped.',
    ]);
  });

  it('keeps undecodable fields on the occurrence, so the check can name them, and reports them', () => {
    const { occurrences, problems } = parseOccurrences(occurrenceJson({ payload: 'not base64!', signatures: [{ publicKeyId: 'k', signature: 'ab$d' }] }));
    assert.equal(occurrences[0]?.payload.kind, 'undecodable');
    assert.equal(occurrences[0]?.signatures[0]?.signature.kind, 'undecodable');
    assert.deepEqual(problems, [
      'Occurrence projects/p1/occurrences/o1: attestation.serializedPayload contains characters that are not base64.',
      'Occurrence projects/p1/occurrences/o1: attestation.signatures[0].signature contains characters that are not base64.',
    ]);
  });

  it('reports an attestation without signatures, or a signature without a key id', () => {
    const jwtOnly = occurrenceJson({ payload: Buffer.from('p'), signatures: [] });
    (jwtOnly['attestation'] as Record<string, unknown>)['jwts'] = [{ compactJwt: 'a.b.c' }];
    const noKeyId = occurrenceJson({ name: 'projects/p1/occurrences/o2', payload: Buffer.from('p'), signatures: [{ publicKeyId: '', signature: 'AA' }] });
    const { occurrences, problems } = parseOccurrences([jwtOnly, noKeyId]);
    assert.deepEqual(
      occurrences.map((o) => o.signatures.length),
      [0, 0],
    );
    assert.deepEqual(problems, [
      'Occurrence projects/p1/occurrences/o1 has no attestation.signatures (it has jwts, which are not checked); it cannot verify.',
      'Occurrence projects/p1/occurrences/o2: attestation.signatures[0] has no publicKeyId; it is skipped.',
    ]);
  });

  it('reports input that is no occurrence at all', () => {
    assert.match(parseOccurrences(null).problems[0] ?? '', /must be a list of occurrences/);
  });
});
