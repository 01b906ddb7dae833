// The checks every Google answer passes before use: the object asked for, in its documented shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIST_LIMITS,
  checkedAttestor,
  checkedCreatedOccurrence,
  checkedKeyAnswer,
  checkedOccurrencePage,
  checkedPolicy,
  createPageGuard,
  occurrencesOnTarget,
  quotedName,
} from '../../src/gcp/answers.ts';
import { ApiError, type CallDescription } from '../../src/gcp/api-failure.ts';

const POLICY_CALL: CallDescription = { api: 'Binary Authorization', action: 'get policy projects/p1/policy', role: 'r' };
const LIST_CALL: CallDescription = { api: 'Container Analysis', action: 'list attestations on projects/p1/notes/n1 for sha256:aa', role: 'r' };
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Asserts an ApiError for HTTP 200 whose message starts with the call and matches `pattern`. */
function refused(call: CallDescription, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 200);
    assert.ok(error.message.startsWith(`${call.api}: failed to ${call.action}: the answer (HTTP 200) `), error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('checkedPolicy', () => {
  it('accepts the policy asked for, by id or by number', () => {
    assert.deepEqual(checkedPolicy(POLICY_CALL, 'p1', { name: 'projects/p1/policy', x: 1 }), { name: 'projects/p1/policy', x: 1 });
    assert.ok(checkedPolicy(POLICY_CALL, '123', { name: 'projects/123/policy' }));
  });
  it("refuses another project's policy, even an ALWAYS_ALLOW one", () => {
    const evil = { name: 'projects/evil/policy', defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW' } };
    assert.throws(
      () => checkedPolicy(POLICY_CALL, 'p1', evil),
      refused(POLICY_CALL, /is the policy projects\/evil\/policy, not projects\/p1\/policy: a policy of another project is never used$/),
    );
  });
  it('refuses a project number it cannot tell to be the one asked for, and says how to ask by number', () => {
    assert.throws(
      () => checkedPolicy(POLICY_CALL, 'p1', { name: 'projects/123/policy' }),
      refused(POLICY_CALL, /if 123 is the number of project p1, ask for the project by that number/),
    );
    assert.throws(
      () => checkedPolicy(POLICY_CALL, '456', { name: 'projects/123/policy' }),
      refused(POLICY_CALL, /is the policy projects\/123\/policy, not projects\/456\/policy[^;]*$/),
    );
  });
  it('refuses a policy without a name', () => {
    assert.throws(() => checkedPolicy(POLICY_CALL, 'p1', { defaultAdmissionRule: {} }), refused(POLICY_CALL, /names no policy/));
  });
  it('refuses every answer that is not a JSON object, saying what it was', () => {
    const shapes: [unknown, RegExp][] = [
      ['{"name": "projects/p1/pol', /text that is not a JSON object/],
      ['<html><body>502</body></html>', /an HTML \(or XML\) page/],
      ['', /an empty body/],
      [[{ name: 'projects/p1/policy' }], /a JSON array/],
      [null, /JSON null/],
      [7, /a JSON number/],
      [new Blob(['x']), /binary data/],
    ];
    for (const [data, pattern] of shapes) assert.throws(() => checkedPolicy(POLICY_CALL, 'p1', data), refused(POLICY_CALL, pattern));
  });
});

describe('checkedAttestor', () => {
  const call: CallDescription = { api: 'Binary Authorization', action: 'get attestor projects/p1/attestors/a1', role: 'r' };
  it('accepts only the attestor asked for', () => {
    assert.ok(checkedAttestor(call, 'projects/p1/attestors/a1', { name: 'projects/p1/attestors/a1' }));
    assert.throws(
      () => checkedAttestor(call, 'projects/p1/attestors/a1', { name: 'projects/p1/attestors/evil' }),
      refused(call, /is the attestor projects\/p1\/attestors\/evil, not projects\/p1\/attestors\/a1/),
    );
    assert.throws(() => checkedAttestor(call, 'projects/p1/attestors/a1', {}), refused(call, /is the attestor nothing/));
  });
});

describe('quotedName', () => {
  it('quotes resource names and nothing else from an answer', () => {
    assert.equal(quotedName('projects/p1/notes/n1'), 'projects/p1/notes/n1');
    assert.equal(quotedName('us-docker.pkg.dev/p/r/i@sha256:abc'), 'us-docker.pkg.dev/p/r/i@sha256:abc');
    for (const hostile of ['<img src=x>', 'token ya29.secret', '**pass**\n', 'x'.repeat(400), 42, null]) {
      assert.equal(quotedName(hostile), 'a value that is not a resource name');
    }
  });
});

describe('checkedOccurrencePage', () => {
  it('reads occurrences and the token, with proto3 JSON defaults', () => {
    assert.deepEqual(checkedOccurrencePage(LIST_CALL, {}), { occurrences: [], nextPageToken: null });
    assert.deepEqual(checkedOccurrencePage(LIST_CALL, { occurrences: [{ name: 'o' }], nextPageToken: '' }), {
      occurrences: [{ name: 'o' }],
      nextPageToken: null,
    });
    assert.deepEqual(checkedOccurrencePage(LIST_CALL, { nextPageToken: 't' }), { occurrences: [], nextPageToken: 't' });
  });
  it('refuses a page whose fields have the wrong type', () => {
    assert.throws(() => checkedOccurrencePage(LIST_CALL, { occurrences: {} }), refused(LIST_CALL, /has "occurrences" that is binary data, not a list/));
    assert.throws(() => checkedOccurrencePage(LIST_CALL, { occurrences: 'x' }), refused(LIST_CALL, /has "occurrences" that is text/));
    assert.throws(() => checkedOccurrencePage(LIST_CALL, { occurrences: [{}, 'x'] }), refused(LIST_CALL, /has occurrence #2 that is text/));
    assert.throws(() => checkedOccurrencePage(LIST_CALL, { nextPageToken: 3 }), refused(LIST_CALL, /"nextPageToken" that is a JSON number/));
    assert.throws(
      () => checkedOccurrencePage(LIST_CALL, { nextPageToken: 't'.repeat(LIST_LIMITS.tokenChars + 1) }),
      refused(LIST_CALL, /longer than 8192 characters/),
    );
    assert.throws(() => checkedOccurrencePage(LIST_CALL, '<html>'), refused(LIST_CALL, /is not the documented ListNoteOccurrencesResponse object/));
  });
});

describe('createPageGuard', () => {
  it('ends a list that repeats any earlier token, not just the last', () => {
    const guard = createPageGuard(LIST_CALL);
    guard.page(0);
    guard.next('a');
    guard.page(0);
    guard.next('b');
    guard.page(0);
    assert.throws(() => guard.next('a'), refused(LIST_CALL, /repeats a page token it gave before/));
  });
  it('allows exactly 100 pages', () => {
    const guard = createPageGuard(LIST_CALL);
    for (let page = 1; page < LIST_LIMITS.pages; page++) {
      guard.page(1);
      guard.next(`t${page}`);
    }
    guard.page(1);
    assert.throws(() => guard.next('one-more'), refused(LIST_CALL, /asks for a page beyond 100 pages/));
  });
  it('allows exactly 1,000 items', () => {
    const guard = createPageGuard(LIST_CALL);
    guard.page(LIST_LIMITS.items);
    assert.throws(() => guard.page(1), refused(LIST_CALL, /longer than 1000 items/));
  });
});

describe('occurrencesOnTarget', () => {
  const on = { name: 'projects/p1/occurrences/ok', noteName: 'projects/p1/notes/n1', resourceUri: `us-docker.pkg.dev/p1/r/web@${DIGEST}` };
  it('keeps those on the note and for the digest, and names the rest', () => {
    const https = { ...on, name: 'projects/p1/occurrences/https', resourceUri: `https://us-docker.pkg.dev/p1/r/web@${DIGEST}` };
    const otherNote = { ...on, name: 'projects/p1/occurrences/n', noteName: 'projects/evil/notes/n1' };
    const otherDigest = { ...on, name: 'projects/p1/occurrences/d', resourceUri: `us-docker.pkg.dev/p1/r/web@sha256:${'b'.repeat(64)}` };
    const suffixOnly = { ...on, name: 'projects/p1/occurrences/s', resourceUri: `evil${DIGEST}` };
    const noNote = { resourceUri: on.resourceUri };
    const split = occurrencesOnTarget('projects/p1/notes/n1', DIGEST, [on, https, otherNote, otherDigest, suffixOnly, noNote]);
    assert.deepEqual(split.onTarget, [on, https]);
    assert.deepEqual(split.ignored, [
      'occurrence projects/p1/occurrences/n is on note projects/evil/notes/n1, not projects/p1/notes/n1',
      `occurrence projects/p1/occurrences/d is for us-docker.pkg.dev/p1/r/web@sha256:${'b'.repeat(64)}, not an image @${DIGEST}`,
      `occurrence projects/p1/occurrences/s is for evil${DIGEST}, not an image @${DIGEST}`,
      'occurrence #6 is on note nothing, not projects/p1/notes/n1',
    ]);
  });
});

describe('checkedCreatedOccurrence and checkedKeyAnswer', () => {
  const call: CallDescription = { api: 'Container Analysis', action: 'create an attestation', role: 'r' };
  const sent = { noteName: 'projects/p1/notes/n1', resourceUri: `us-docker.pkg.dev/p1/r/web@${DIGEST}` };
  it('accepts the occurrence sent, refuses another', () => {
    assert.ok(checkedCreatedOccurrence(call, sent, { ...sent, name: 'projects/p1/occurrences/x' }));
    assert.throws(
      () => checkedCreatedOccurrence(call, sent, { ...sent, noteName: 'projects/p1/notes/other' }),
      refused(call, /on note projects\/p1\/notes\/other/),
    );
    assert.throws(() => checkedCreatedOccurrence(call, sent, { ...sent, resourceUri: 'other@sha256:1' }), refused(call, /is an occurrence for other@sha256:1/));
    assert.throws(() => checkedCreatedOccurrence(call, sent, '<html>'), refused(call, /not the documented Occurrence object/));
  });
  it('accepts a KMS answer about the key version asked for', () => {
    const kms: CallDescription = { api: 'Cloud KMS', action: 'get key version k/1', role: 'r' };
    assert.ok(checkedKeyAnswer(kms, 'CryptoKeyVersion object', 'k/1', { name: 'k/1', algorithm: 'EC_SIGN_P256_SHA256' }));
    assert.throws(() => checkedKeyAnswer(kms, 'CryptoKeyVersion object', 'k/1', { name: 'k/2' }), refused(kms, /is about key version k\/2, not k\/1/));
  });
});
