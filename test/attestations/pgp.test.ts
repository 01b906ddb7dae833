import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKey } from 'openpgp';
import { parseAttestors, parseOccurrences, verifyAttestor, verifySignature, type Attestor, type AttestorCheck } from '../../src/attestations/index.ts';
import { flipByte, NOTE, occurrenceJson, readFixture } from './support.ts';

const ATTESTOR_FPR = '9EFB7C65EE766F052DC46B22EBFA4F8C07C65D8C';
const OTHER_FPR = 'E3B4155B83C4CB85687F2098AEECE4B3703EFA8A';
const REPO = 'us-docker.pkg.dev/p1/repo/app';
const DIGEST = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
const IMAGE = { names: [REPO], digest: DIGEST };
const PAYLOAD = Buffer.from(readFixture('attestations/pgp/payload.json'));

function pgpAttestor(keys: readonly { id: string; file: string }[]): Attestor {
  const { attestors, problems } = parseAttestors({
    name: 'projects/p1/attestors/pgp',
    userOwnedGrafeasNote: {
      noteReference: NOTE,
      publicKeys: keys.map(({ id, file }) => ({ id, asciiArmoredPgpPublicKey: readFixture(file) })),
    },
  });
  assert.deepEqual(problems, []);
  assert.ok(attestors[0]);
  return attestors[0];
}

const attestorKey = { id: ATTESTOR_FPR, file: 'attestations/pgp/attestor-public.asc' };
const otherKey = { id: OTHER_FPR, file: 'attestations/pgp/other-public.asc' };

async function check(attestor: Attestor, signed: string | Buffer, publicKeyId: string, payload: Buffer = PAYLOAD): Promise<AttestorCheck> {
  const signature = typeof signed === 'string' ? Buffer.from(readFixture(`attestations/pgp/${signed}`)) : signed;
  const { occurrences } = parseOccurrences([occurrenceJson({ resourceUri: `${REPO}@${DIGEST}`, payload, signatures: [{ publicKeyId, signature }] })]);
  return verifyAttestor(attestor, occurrences, IMAGE);
}

function assertNotVerified(result: AttestorCheck, cause: string, detail: RegExp): void {
  assert.equal(result.outcome, 'not-verified', JSON.stringify(result));
  if (result.outcome === 'not-verified') {
    assert.equal(result.cause, cause);
    assert.match(result.detail, detail);
  }
}

describe('PGP attestations made with GnuPG', () => {
  it('verify: a signed message over the payload by the attestor key', async () => {
    const result = await check(pgpAttestor([attestorKey]), 'signed-by-attestor.asc', ATTESTOR_FPR);
    assert.deepEqual(result, {
      attestor: 'projects/p1/attestors/pgp',
      outcome: 'verified',
      occurrence: 'projects/p1/occurrences/o1',
      keyId: ATTESTOR_FPR,
      notes: [],
    });
  });

  it('match the key by fingerprint in any case and with spaces', async () => {
    const spaced = ATTESTOR_FPR.toLowerCase()
      .replace(/(.{4})/g, '$1 ')
      .trim();
    assert.equal((await check(pgpAttestor([attestorKey]), 'signed-by-attestor.asc', spaced)).outcome, 'verified');
  });

  it('verify an Ed25519 key too', async () => {
    const result = await check(pgpAttestor([attestorKey, otherKey]), 'signed-by-other.asc', OTHER_FPR);
    assert.equal(result.outcome, 'verified');
  });

  it('fail: a second key signed the message and the occurrence names it (unknown-key)', async () => {
    const result = await check(pgpAttestor([attestorKey]), 'signed-by-other.asc', OTHER_FPR);
    assertNotVerified(
      result,
      'unknown-key',
      new RegExp(`does not hold key ${OTHER_FPR}, which signed occurrence projects/p1/occurrences/o1 \\(it holds ${ATTESTOR_FPR}\\)`),
    );
  });

  it("fail: a second key signed the message but the occurrence names the attestor's key (bad-signature)", async () => {
    const result = await check(pgpAttestor([attestorKey]), 'signed-by-other.asc', ATTESTOR_FPR);
    assertNotVerified(result, 'bad-signature', /the message is signed by key ID AEECE4B3703EFA8A, not by this key/);
  });

  it('fail: the signed content differs from the payload', async () => {
    const result = await check(pgpAttestor([attestorKey]), 'signed-other-payload.asc', ATTESTOR_FPR);
    assertNotVerified(result, 'bad-signature', /the signed message verifies, but its content is not the payload/);
  });

  it('fail: a detached signature instead of a signed message, saying so', async () => {
    const result = await check(pgpAttestor([attestorKey]), 'detached.asc', ATTESTOR_FPR);
    assertNotVerified(
      result,
      'bad-signature',
      /is a detached signature \(gpg --detach-sign\), but a PGP attestation needs the signed message itself \(gpg --armor --sign\)/,
    );
  });

  it('fail: a cleartext signature, or bytes that are no armoured message', async () => {
    const attestor = pgpAttestor([attestorKey]);
    assertNotVerified(await check(attestor, 'clearsigned.asc', ATTESTOR_FPR), 'bad-signature', /cleartext signature \(gpg --clearsign\)/);
    assertNotVerified(await check(attestor, Buffer.from([0xa3, 0x01, 0x02]), ATTESTOR_FPR), 'bad-signature', /not an ASCII-armoured OpenPGP signed message/);
    const broken = readFixture('attestations/pgp/signed-by-attestor.asc').replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    assertNotVerified(await check(attestor, Buffer.from(broken), ATTESTOR_FPR), 'bad-signature', /cannot be read/);
  });

  it('fail: a valid signed payload for another digest filed under this one (payload-digest-mismatch)', async () => {
    const otherPayload = Buffer.from(readFixture('attestations/pgp/other-payload.json'));
    const result = await check(pgpAttestor([attestorKey]), 'signed-other-payload.asc', ATTESTOR_FPR, otherPayload);
    assertNotVerified(result, 'payload-digest-mismatch', /names sha256:3fc4cc/);
  });

  it('fail: flipping one byte of the payload', async () => {
    const result = await check(pgpAttestor([attestorKey]), 'signed-by-attestor.asc', ATTESTOR_FPR, flipByte(PAYLOAD, 120));
    assertNotVerified(result, 'bad-signature', /content is not the payload/);
  });
});

describe('PGP attestor keys', () => {
  it('bad-key: an armoured key whose fingerprint is not its id', async () => {
    const attestor = pgpAttestor([{ id: OTHER_FPR, file: attestorKey.file }]);
    const result = await check(attestor, 'signed-by-attestor.asc', OTHER_FPR);
    assertNotVerified(result, 'bad-key', new RegExp(`armoured key has fingerprint ${ATTESTOR_FPR}, which is not its id`));
  });

  it('bad-key: an unreadable armoured key', async () => {
    const key = { id: ATTESTOR_FPR, kind: 'pgp', armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnope\n-----END PGP PUBLIC KEY BLOCK-----\n' } as const;
    const result = await verifySignature(key, PAYLOAD, Buffer.from(readFixture('attestations/pgp/signed-by-attestor.asc')));
    assert.equal(result.result, 'bad-key');
    if (result.result === 'bad-key') assert.match(result.reason, /not a readable OpenPGP key/);
  });

  it('bad-key: a private key pasted as the public key', async () => {
    const { privateKey } = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'x' }], format: 'object' });
    const key = { id: privateKey.getFingerprint(), kind: 'pgp', armored: privateKey.armor() } as const;
    const result = await verifySignature(key, PAYLOAD, Buffer.from(readFixture('attestations/pgp/signed-by-attestor.asc')));
    assert.deepEqual(result, { result: 'bad-key', reason: 'its asciiArmoredPgpPublicKey holds a private key, not a public key' });
  });
});
