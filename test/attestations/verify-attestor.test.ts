import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createSignaturePayload,
  parseAttestors,
  parseOccurrences,
  verifyAttestor,
  type AttestationFailure,
  type AttestationOccurrence,
  type Attestor,
  type AttestorCheck,
  type AttestorKey,
} from '../../src/attestations/index.ts';
import { attestorWith, DIGEST, IMAGE, NAME, occurrenceJson, OTHER_DIGEST, pemOf, readJsonFixture, signPayload, type OccurrenceSpec } from './support.ts';

interface ConformanceCase {
  readonly image: string;
  readonly attestors: unknown;
  readonly attestations: unknown;
}

function conformance(id: string): { attestors: Attestor[]; occurrences: AttestationOccurrence[]; image: { names: string[]; digest: string } } {
  const data = readJsonFixture(`attestations/conformance/${id}.json`) as ConformanceCase;
  const parsedAttestors = parseAttestors(data.attestors);
  const parsedOccurrences = parseOccurrences(data.attestations);
  assert.deepEqual([...parsedAttestors.problems, ...parsedOccurrences.problems], []);
  const [name = '', digest = ''] = data.image.split('@');
  return { attestors: parsedAttestors.attestors, occurrences: parsedOccurrences.occurrences, image: { names: [name], digest } };
}

async function conformanceChecks(id: string): Promise<AttestorCheck[]> {
  const { attestors, occurrences, image } = conformance(id);
  return Promise.all(attestors.map((a) => verifyAttestor(a, occurrences, image)));
}

function summary(check: AttestorCheck): string {
  return check.outcome === 'verified' ? `verified${check.notes.length > 0 ? ' with notes' : ''}` : check.cause;
}

describe('verifyAttestor on the conformance cases (signed independently of this project)', () => {
  const expected: Record<string, string[]> = {
    'attestation-valid-gcloud-style': ['verified'],
    'attestation-two-attestors-both': ['verified', 'verified with notes'],
    'attestation-all-attestors-required': ['verified', 'no-occurrence'],
    'attestation-attestor-without-keys': ['no-keys'],
    'attestation-for-another-digest': ['other-digest'],
    'attestation-missing-dry-run': ['no-occurrence'],
    'attestation-payload-names-another-digest': ['payload-digest-mismatch'],
    'attestation-signed-by-unknown-key': ['bad-signature'],
    'attestation-tampered-payload': ['bad-signature'],
  };
  for (const [id, outcomes] of Object.entries(expected)) {
    it(`${id}: ${outcomes.join(', ')}`, async () => {
      assert.deepEqual((await conformanceChecks(id)).map(summary), outcomes);
    });
  }

  it('notes the https:// spelling of an RSA-PSS attestation in standard base64', async () => {
    const [, a2] = await conformanceChecks('attestation-two-attestors-both');
    assert.deepEqual(a2, {
      attestor: 'projects/p1/attestors/a2',
      outcome: 'verified',
      occurrence: 'projects/p1/occurrences/3696e36b-6f23-45e7-935b-888edf04b5aa',
      keyId: '//cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/ring/cryptoKeys/a2/cryptoKeyVersions/1',
      notes: ['attested only under the https:// spelling; gcloud writes it without a scheme since 424.0.0'],
    });
  });

  it('writes one sentence naming attestor, occurrence and key', async () => {
    const [tampered] = await conformanceChecks('attestation-tampered-payload');
    assert.deepEqual(tampered, {
      attestor: 'projects/p1/attestors/a1',
      outcome: 'not-verified',
      cause: 'bad-signature',
      detail:
        'Attestor projects/p1/attestors/a1: the signature by key //cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/ring/cryptoKeys/a1/cryptoKeyVersions/1 does not verify over the payload of occurrence projects/p1/occurrences/d9f6a86e-1db8-4a10-8576-1a5992264903: the ECDSA_P256_SHA256 check fails.',
    });
    const [other] = await conformanceChecks('attestation-for-another-digest');
    assert.equal(
      other?.outcome === 'not-verified' && other.detail,
      `Attestor projects/p1/attestors/a1 has attestations on note projects/p1/notes/a1-note only for other digests of this image (${NAME}@${OTHER_DIGEST} in occurrence projects/p1/occurrences/6e2f672d-910c-4b9c-825e-4bdf068b76f4), none for ${NAME}@${DIGEST}.`,
    );
  });
});

// Locally signed scenarios: one P-256 key the attestor holds, one it does not.
const held = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const HELD_ID = 'ni:///sha-256;held';
const STRANGER_ID = 'ni:///sha-256;stranger';
const heldKey: AttestorKey = { id: HELD_ID, kind: 'pkix', pem: pemOf(held.publicKey), algorithm: 'ECDSA_P256_SHA256' };
const P256 = { keyType: 'ec', curveOrBits: 'P-256', hash: 'sha256', padding: 'ecdsa' } as const;

function signed(payload: Buffer, by: 'held' | 'stranger', publicKeyId = by === 'held' ? HELD_ID : STRANGER_ID) {
  return { publicKeyId, signature: signPayload(P256, (by === 'held' ? held : stranger).privateKey, payload) };
}

function occ(spec: Partial<OccurrenceSpec> & { name: string }): AttestationOccurrence {
  const payload = createSignaturePayload(NAME, DIGEST);
  const { occurrences } = parseOccurrences([occurrenceJson({ payload, signatures: [signed(payload, 'held')], ...spec })]);
  assert.ok(occurrences[0]);
  return occurrences[0];
}

const good = (name = 'projects/p1/occurrences/good'): AttestationOccurrence => occ({ name });
const otherDigest = (): AttestationOccurrence => {
  const payload = createSignaturePayload(NAME, OTHER_DIGEST);
  return occ({ name: 'projects/p1/occurrences/other-digest', resourceUri: `${NAME}@${OTHER_DIGEST}`, payload, signatures: [signed(payload, 'held')] });
};
const payloadForOtherDigest = (): AttestationOccurrence => {
  const payload = createSignaturePayload(NAME, OTHER_DIGEST);
  return occ({ name: 'projects/p1/occurrences/mismatch', payload, signatures: [signed(payload, 'held')] });
};
const badSignature = (): AttestationOccurrence =>
  occ({ name: 'projects/p1/occurrences/bad-signature', signatures: [signed(Buffer.from('other bytes'), 'held')] });
const unknownKey = (): AttestationOccurrence => {
  const payload = createSignaturePayload(NAME, DIGEST);
  return occ({ name: 'projects/p1/occurrences/unknown-key', signatures: [signed(payload, 'stranger')] });
};
const badPayload = (): AttestationOccurrence => {
  const payload = Buffer.from('not a simple-signing payload');
  return occ({ name: 'projects/p1/occurrences/bad-payload', payload, signatures: [signed(payload, 'held')] });
};

async function cause(attestor: Attestor, occurrences: readonly AttestationOccurrence[], image = IMAGE): Promise<string> {
  const result = await verifyAttestor(attestor, occurrences, image);
  return result.outcome === 'verified' ? 'verified' : result.cause;
}

describe('verifyAttestor causes', () => {
  // A Record over the union: the compiler fails this file when a cause is added without a scenario.
  const scenarios: Record<AttestationFailure, () => Promise<AttestorCheck>> = {
    'no-keys': () => verifyAttestor(attestorWith([]), [good()], IMAGE),
    'no-occurrence': () =>
      verifyAttestor(attestorWith([heldKey]), [occ({ name: 'projects/p1/occurrences/elsewhere', note: 'projects/p1/notes/other' })], IMAGE),
    'other-digest': () => verifyAttestor(attestorWith([heldKey]), [otherDigest()], IMAGE),
    'payload-digest-mismatch': () => verifyAttestor(attestorWith([heldKey]), [payloadForOtherDigest()], IMAGE),
    'bad-signature': () => verifyAttestor(attestorWith([heldKey]), [badSignature()], IMAGE),
    'unknown-key': () => verifyAttestor(attestorWith([heldKey]), [unknownKey()], IMAGE),
    'bad-key': () => verifyAttestor(attestorWith([{ ...heldKey, algorithm: 'RSA_PSS_2048_SHA256' }]), [good()], IMAGE),
    'bad-payload': () => verifyAttestor(attestorWith([heldKey]), [badPayload()], IMAGE),
  };
  for (const [expected, scenario] of Object.entries(scenarios)) {
    it(`produces ${expected}`, async () => {
      const result = await scenario();
      assert.equal(result.outcome === 'not-verified' && result.cause, expected, JSON.stringify(result));
      if (result.outcome === 'not-verified') assert.match(result.detail, /^Attestor projects\/p1\/attestors\/a1[ :].*\.$/);
    });
  }

  it('details each cause in one sentence naming what failed', async () => {
    const details = await Promise.all(
      Object.values(scenarios).map(async (scenario) => {
        const result = await scenario();
        return result.outcome === 'not-verified' ? result.detail : '';
      }),
    );
    assert.deepEqual(details, [
      'Attestor projects/p1/attestors/a1 holds no public keys, so it never verifies an attestation.',
      `Attestor projects/p1/attestors/a1 has no attestation on note projects/p1/notes/n1 for ${NAME}@${DIGEST}.`,
      `Attestor projects/p1/attestors/a1 has attestations on note projects/p1/notes/n1 only for other digests of this image (${NAME}@${OTHER_DIGEST} in occurrence projects/p1/occurrences/other-digest), none for ${NAME}@${DIGEST}.`,
      `Attestor projects/p1/attestors/a1: occurrence projects/p1/occurrences/mismatch is filed under ${DIGEST}, but its payload, signed by key ${HELD_ID}, names ${OTHER_DIGEST}.`,
      `Attestor projects/p1/attestors/a1: the signature by key ${HELD_ID} does not verify over the payload of occurrence projects/p1/occurrences/bad-signature: the ECDSA_P256_SHA256 check fails.`,
      `Attestor projects/p1/attestors/a1 does not hold key ${STRANGER_ID}, which signed occurrence projects/p1/occurrences/unknown-key (it holds ${HELD_ID}).`,
      `Attestor projects/p1/attestors/a1: key ${HELD_ID} cannot check the signature on occurrence projects/p1/occurrences/good: it is an EC key on curve prime256v1, but its signatureAlgorithm is RSA_PSS_2048_SHA256.`,
      `Attestor projects/p1/attestors/a1: occurrence projects/p1/occurrences/bad-payload is signed by key ${HELD_ID}, but the payload is not JSON.`,
    ]);
  });

  it('also produces bad-payload for an undecodable payload, and bad-signature for an undecodable or missing signature', async () => {
    const attestor = attestorWith([heldKey]);
    const raw = (override: Record<string, unknown>): AttestationOccurrence[] =>
      parseOccurrences([{ ...occurrenceJson({ payload: Buffer.from('p'), signatures: [] }), ...override }]).occurrences;
    assert.equal(
      await cause(attestor, raw({ attestation: { serializedPayload: '%%%', signatures: [{ publicKeyId: HELD_ID, signature: 'AA' }] } })),
      'bad-payload',
    );
    const payload = createSignaturePayload(NAME, DIGEST).toString('base64');
    assert.equal(
      await cause(attestor, raw({ attestation: { serializedPayload: payload, signatures: [{ publicKeyId: HELD_ID, signature: '%%%' }] } })),
      'bad-signature',
    );
    const none = await verifyAttestor(attestor, raw({ attestation: { serializedPayload: payload, signatures: [] } }), IMAGE);
    assert.equal(
      none.outcome === 'not-verified' && none.detail,
      'Attestor projects/p1/attestors/a1: occurrence projects/p1/occurrences/o1 carries no signatures.',
    );
  });
});

describe('verifyAttestor choice among occurrences', () => {
  const attestor = attestorWith([heldKey]);

  it('verifies when any one occurrence verifies, whatever else is there', async () => {
    assert.equal(await cause(attestor, [unknownKey(), badSignature(), otherDigest(), good(), payloadForOtherDigest()]), 'verified');
  });

  it('verifies when any one signature of an occurrence verifies', async () => {
    const payload = createSignaturePayload(NAME, DIGEST);
    const twoSignatures = occ({
      name: 'projects/p1/occurrences/two',
      signatures: [signed(payload, 'stranger'), signed(Buffer.from('x'), 'held'), signed(payload, 'held')],
    });
    assert.equal(await cause(attestor, [twoSignatures]), 'verified');
  });

  it('reports the most specific cause over all candidate occurrences', async () => {
    const badKeyAttestor = attestorWith([{ ...heldKey, algorithm: 'ECDSA_P384_SHA384' }]);
    assert.equal(await cause(badKeyAttestor, [otherDigest(), unknownKey(), good()]), 'bad-key');
    assert.equal(await cause(attestor, [otherDigest(), badSignature(), unknownKey(), payloadForOtherDigest()]), 'unknown-key');
    assert.equal(await cause(attestor, [payloadForOtherDigest(), badSignature(), otherDigest()]), 'bad-signature');
    assert.equal(await cause(attestor, [otherDigest(), badPayload(), payloadForOtherDigest()]), 'payload-digest-mismatch');
    assert.equal(await cause(attestor, [otherDigest(), badPayload()]), 'bad-payload');
    assert.equal(await cause(attestor, [otherDigest()]), 'other-digest');
    assert.equal(await cause(attestor, []), 'no-occurrence');
  });

  it('ignores occurrences on other notes and for other images', async () => {
    const elsewhere = occ({ name: 'projects/p1/occurrences/n2', note: 'projects/p1/notes/n2' });
    const otherImage = occ({ name: 'projects/p1/occurrences/api', resourceUri: `us-docker.pkg.dev/p1/r/web-api@${DIGEST}` });
    assert.equal(await cause(attestor, [elsewhere, otherImage]), 'no-occurrence');
  });

  it('matches the resourceUri under any of the image names, with or without https://', async () => {
    const image = { names: ['gcr.io/p1/web', NAME], digest: DIGEST };
    assert.equal(await cause(attestor, [good()], image), 'verified');
    const https = occ({ name: 'projects/p1/occurrences/https', resourceUri: `https://${NAME}@${DIGEST}` });
    const result = await verifyAttestor(attestor, [https], image);
    assert.deepEqual(result.outcome === 'verified' && result.notes, [
      'attested only under the https:// spelling; gcloud writes it without a scheme since 424.0.0',
    ]);
    const http = occ({ name: 'projects/p1/occurrences/http', resourceUri: `http://${NAME}@${DIGEST}` });
    assert.equal(await cause(attestor, [http], image), 'no-occurrence');
  });

  it('prefers an occurrence that verifies without notes', async () => {
    const https = occ({ name: 'projects/p1/occurrences/https', resourceUri: `https://${NAME}@${DIGEST}` });
    const result = await verifyAttestor(attestor, [https, good('projects/p1/occurrences/plain')], IMAGE);
    assert.deepEqual(result.outcome === 'verified' && [result.occurrence, result.notes], ['projects/p1/occurrences/plain', []]);
  });

  it('notes a payload whose docker-reference is not the image name', async () => {
    const payload = createSignaturePayload('gcr.io/p1/web', DIGEST);
    const renamed = occ({ name: 'projects/p1/occurrences/renamed', payload, signatures: [signed(payload, 'held')] });
    const result = await verifyAttestor(attestor, [renamed], IMAGE);
    assert.deepEqual(result.outcome === 'verified' && result.notes, [`the signed payload names docker-reference gcr.io/p1/web, not ${NAME}`]);
  });

  it('never throws on malformed keys or signatures', async () => {
    const junkKeys: AttestorKey[] = [
      { id: HELD_ID, kind: 'pkix', pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', algorithm: 'ECDSA_P256_SHA256' },
      { id: HELD_ID, kind: 'pgp', armored: 'junk' },
    ];
    for (const key of junkKeys) {
      assert.equal(await cause(attestorWith([key]), [good(), badSignature()]), 'bad-key');
    }
    const junkSignature = occ({ name: 'projects/p1/occurrences/junk', signatures: [{ publicKeyId: HELD_ID, signature: Buffer.from([0x30, 0xff, 0x00]) }] });
    assert.equal(await cause(attestor, [junkSignature]), 'bad-signature');
  });
});
