// A loopback stand-in for the three Google REST APIs the live mode calls: Binary Authorization v1, Container
// Analysis v1 and Cloud KMS v1. One node:http server answers all three (they share no path), in the shapes
// gcloud 528 and the googleapis discovery clients send and read, so end-to-end tests and benchmarks exercise
// the real client code without a Google account. Faults, latency and a required token are opt-in; so are
// hostile answers (hangs, resets, bodies that drip or never end, garbled or foreign bodies, looping page
// tokens), injected as faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants, createECDH, createHash, createPublicKey, privateEncrypt, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The access token env() hands to child processes when the server was not started with requireToken. */
export const FAKE_ACCESS_TOKEN = 'fake-google-access-token';

export interface FakeGoogleState {
  /** 'projects/p1' → Policy JSON as REST returns it; a project without one answers the API default policy. */
  policies: Map<string, object>;
  /** 'projects/p1/attestors/a1' → Attestor JSON. */
  attestors: Map<string, object>;
  /** Container Analysis occurrences (ATTESTATION kind), any project. */
  occurrences: object[];
  /** Key version name → the private key the server signs with, and its KMS algorithm (e.g. EC_SIGN_P256_SHA256). */
  kmsKeys: Map<string, { privateKey: KeyObject; algorithm: string }>;
}

export interface RecordedRequest {
  method: string;
  /** Percent-decoded path, without the query. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; Authorization is kept as 'Bearer <redacted>' so tests can see whether it was sent. */
  headers: Record<string, string>;
  body: string;
  api: 'binaryauthorization' | 'containeranalysis' | 'cloudkms' | 'unknown';
  /** Date.now() when the request arrived. */
  at: number;
}

export interface FakeFault {
  /** Which requests the fault applies to; all when left out. */
  match?: (request: RecordedRequest) => boolean;
  /** How many matching requests it answers before it is spent. */
  count: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /**
   * A hostile (or careless) endpoint: the error body echoes the request's Authorization header and
   * the token in it, raw, URL-encoded, JSON-escaped and base64, as proxies and emulators have done.
   */
  echoAuthorization?: boolean;
  /** Close the connection with a TCP reset, answering nothing. */
  reset?: boolean;
  /** Send 200 and its headers, then one byte of a JSON object every `dripMs` milliseconds, never ending it. */
  dripMs?: number;
  /** Answer exactly these bytes instead (garbled bodies, hostile lists); a function is asked per request. */
  raw?: RawAnswer | ((request: RecordedRequest) => RawAnswer);
  /** Answer what the route answers, with its JSON body replaced by what this returns (foreign names, extra items). */
  rewrite?: (body: unknown, request: RecordedRequest) => unknown;
}

/** An answer sent byte for byte: status 200 and application/json unless told otherwise. */
export interface RawAnswer {
  status?: number;
  contentType?: string;
  body: string;
}

/** 200 answers that are not the documented object, as broken proxies and hostile endpoints send them. */
export const GARBLED_BODIES: Readonly<Record<string, RawAnswer>> = {
  'truncated JSON': { body: '{"name": "projects/p1/policy", "occurrences": [{"name": "projects/p1/occ' },
  'an HTML page': { contentType: 'text/html; charset=UTF-8', body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n' },
  'a JSON array': { body: '[{"name": "projects/p1/policy"}]\n' },
  'a JSON string': { body: '"ok"\n' },
  'JSON null': { body: 'null\n' },
  'an empty body': { body: '' },
};

export interface FakeGoogle {
  /** http://127.0.0.1:PORT/ (ends with '/', as endpoint overrides and googleapis' rootUrl expect). */
  url: string;
  state: FakeGoogleState;
  requests: RecordedRequest[];
  /** The environment a child process (the CLI, gcloud) needs to reach this server. */
  env(): Record<string, string>;
  inject(fault: FakeFault): void;
  /** Highest number of requests being answered at once. */
  inFlightPeak(): number;
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  latencyMs?: number;
  /** The largest page the occurrence list answers, whatever pageSize the client asks for (default 100). */
  pageSize?: number;
  requireToken?: string;
  /** Attest races (see "Concurrent attest runs" below). */
  race?: FakeRace;
}

/**
 * `barrier: N`: each occurrence create is held until N have arrived (or 10 s passed), then all are stored and
 * answered at once: N runs that each listed nothing and created, as a build matrix does.
 * `twin: 'older' | 'younger'`: each create also stores a copy under another name, 1 ms older or younger, as if
 * another run had created the same attestation just before or just after.
 */
export interface FakeRace {
  barrier?: number;
  twin?: 'older' | 'younger';
}

type Api = RecordedRequest['api'];

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Context {
  state: FakeGoogleState;
  options: FakeGoogleOptions;
  request: RecordedRequest;
  match: readonly string[];
}

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  /** Query parameters the method takes besides the standard ones; Google rejects any other name. */
  query: readonly string[];
  answer: (context: Context) => Answer;
}

// ---------------------------------------------------------------------------------------------------------
// Errors in Google's JSON shape

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function googleError(code: number, message: string, headers?: Record<string, string>): Answer {
  const body = { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN' } };
  return headers ? { status: code, body, headers } : { status: code, body };
}

const ok = (body: unknown): Answer => ({ status: 200, body });

// ---------------------------------------------------------------------------------------------------------
// Bytes fields: proto3 JSON accepts standard and URL-safe base64, padded or not, and always answers standard.

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !BASE64.test(text)) return null;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

function badBytes(field: string, value: unknown): Answer {
  return googleError(400, `Invalid value at '${field}' (TYPE_BYTES), Base64 decoding failed for ${JSON.stringify(String(value))}`);
}

// CRC32C (Castagnoli), which KMS uses for its integrity fields. zlib.crc32 is the other polynomial.
const CRC32C_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
  return value >>> 0;
});

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Binary Authorization

/** What getPolicy answers for a project that never set a policy (the documented default; §1.1 of the notes). */
function defaultPolicy(project: string): object {
  return {
    name: `projects/${project}/policy`,
    globalPolicyEvaluationMode: 'ENABLE',
    defaultAdmissionRule: { evaluationMode: 'ALWAYS_ALLOW', enforcementMode: 'ENFORCED_BLOCK_AND_AUDIT_LOG' },
  };
}

function getPolicy({ state, match }: Context): Answer {
  return ok(state.policies.get(`projects/${match[1]}`) ?? defaultPolicy(match[1]!));
}

function findAttestor({ state, match }: Context): { name: string; attestor: object | undefined } {
  const name = `projects/${match[2]}/attestors/${match[3]}`;
  return { name, attestor: state.attestors.get(name) };
}

/** v1beta1 (which `gcloud attestations sign-and-create` reads) names the note field userOwnedDrydockNote. */
function asV1beta1(attestor: object): object {
  const { userOwnedGrafeasNote, ...rest } = attestor as { userOwnedGrafeasNote?: unknown };
  return userOwnedGrafeasNote === undefined ? attestor : { ...rest, userOwnedDrydockNote: userOwnedGrafeasNote };
}

function getAttestor(context: Context): Answer {
  const { name, attestor } = findAttestor(context);
  if (!attestor) return googleError(404, `Attestor ${name} not found.`);
  return ok(context.match[1] === 'v1beta1' ? asV1beta1(attestor) : attestor);
}

function validateAttestationOccurrence(context: Context): Answer {
  const { name, attestor } = findAttestor(context);
  if (!attestor) return googleError(404, `Attestor ${name} not found.`);
  return googleError(501, 'validateAttestationOccurrence is not implemented by the fake Google server.');
}

// ---------------------------------------------------------------------------------------------------------
// Container Analysis

interface Occurrence {
  name?: unknown;
  noteName?: unknown;
  resourceUri?: unknown;
  attestation?: { serializedPayload?: unknown; signatures?: { signature?: unknown }[] };
}

// The only filter gcloud sends: `has_suffix(resourceUrl, "sha256:…")`. Anything else is refused rather than
// guessed at, so a client that starts sending another filter fails here first.
const HAS_SUFFIX_FILTER = /^\s*has_suffix\(\s*resourceUrl\s*,\s*"([^"\\]*)"\s*\)\s*$/;

function standardBase64(value: unknown): unknown {
  const bytes = decodeBase64(value);
  return bytes ? bytes.toString('base64') : value;
}

/** The real API re-encodes bytes fields as standard base64 whatever the writer sent (gcloud sends URL-safe). */
function asServed(occurrence: object): object {
  const { attestation } = occurrence as Occurrence;
  if (!attestation || typeof attestation !== 'object') return occurrence;
  const served: Record<string, unknown> = { ...attestation };
  if ('serializedPayload' in attestation) served['serializedPayload'] = standardBase64(attestation.serializedPayload);
  if (Array.isArray(attestation.signatures)) {
    served['signatures'] = attestation.signatures.map((s: unknown) =>
      s && typeof s === 'object' && 'signature' in s ? { ...s, signature: standardBase64(s.signature) } : s,
    );
  }
  return { ...occurrence, attestation: served };
}

function pageToken(offset: number, listKey: string): string {
  return Buffer.from(JSON.stringify({ offset, listKey })).toString('base64url');
}

/** The offset a token stands for, or null when it was not issued for this note and filter. */
function readPageToken(token: string, listKey: string): number | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown; listKey?: unknown };
    return parsed.listKey === listKey && Number.isSafeInteger(parsed.offset) ? (parsed.offset as number) : null;
  } catch {
    return null;
  }
}

function listNoteOccurrences({ state, options, request, match }: Context): Answer {
  const noteName = `projects/${match[1]}/notes/${match[2]}`;
  const filter = request.query['filter'] ?? '';
  const suffix = filter === '' ? '' : HAS_SUFFIX_FILTER.exec(filter)?.[1];
  if (suffix === undefined) return googleError(400, `The fake only understands has_suffix(resourceUrl, "…"); got filter ${JSON.stringify(filter)}`);
  const requested = Number(request.query['pageSize'] ?? request.query['page_size'] ?? 0);
  if (!Number.isSafeInteger(requested) || requested < 0) return googleError(400, `Invalid page size ${requested}.`);
  const limit = Math.min(requested || Infinity, options.pageSize ?? 100);
  const listKey = createHash('sha256').update(`${noteName}\n${filter}`).digest('hex').slice(0, 16);
  const token = request.query['pageToken'] ?? request.query['page_token'] ?? '';
  const offset = token === '' ? 0 : readPageToken(token, listKey);
  if (offset === null) return googleError(400, 'The page token is invalid.');
  const all = (state.occurrences as Occurrence[]).filter((o) => o.noteName === noteName && typeof o.resourceUri === 'string' && o.resourceUri.endsWith(suffix));
  const page = all.slice(offset, offset + limit).map(asServed);
  // proto3 JSON leaves out empty lists and empty strings: an empty page is `{}`, the last page has no token.
  const body: { occurrences?: object[]; nextPageToken?: string } = {};
  if (page.length > 0) body.occurrences = page;
  if (offset + limit < all.length) body.nextPageToken = pageToken(offset + limit, listKey);
  return ok(body);
}

function parseJsonBody(request: RecordedRequest): Record<string, unknown> | Answer {
  try {
    const parsed: unknown = JSON.parse(request.body || 'null');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below, as Google does for any body that is not a JSON object
  }
  return googleError(400, 'Invalid JSON payload received. Expected a JSON object.');
}

const isAnswer = (value: unknown): value is Answer => typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

function checkAttestation(attestation: unknown): Answer | null {
  if (!attestation || typeof attestation !== 'object') return googleError(400, 'An ATTESTATION occurrence needs an attestation.');
  const { serializedPayload, signatures } = attestation as NonNullable<Occurrence['attestation']>;
  if (!decodeBase64(serializedPayload)) return badBytes('occurrence.attestation.serialized_payload', serializedPayload);
  for (const [index, entry] of (Array.isArray(signatures) ? signatures : []).entries()) {
    if (entry?.signature !== undefined && !decodeBase64(entry.signature)) {
      return badBytes(`occurrence.attestation.signatures[${index}].signature`, entry.signature);
    }
  }
  return null;
}

function createOccurrence({ state, request, match }: Context): Answer {
  const body = parseJsonBody(request);
  if (isAnswer(body)) return body;
  if (typeof body['noteName'] !== 'string' || !/^projects\/[^/]+\/notes\/[^/]+$/.test(body['noteName'])) {
    return googleError(400, 'Occurrence noteName is required, as projects/P/notes/N.');
  }
  if (typeof body['resourceUri'] !== 'string' || body['resourceUri'] === '') return googleError(400, 'Occurrence resourceUri is required.');
  const refused = checkAttestation(body['attestation']);
  if (refused) return refused;
  const now = new Date().toISOString();
  // name, kind and both times are output-only: the server sets them whatever the client sent.
  const { name: _name, kind: _kind, createTime: _created, updateTime: _updated, ...fields } = body;
  const occurrence = {
    name: `projects/${match[1]}/occurrences/${randomUUID()}`,
    resourceUri: fields['resourceUri'],
    noteName: fields['noteName'],
    kind: 'ATTESTATION',
    createTime: now,
    updateTime: now,
    ...fields,
  };
  state.occurrences.push(occurrence);
  return ok(asServed(occurrence));
}

// ---------------------------------------------------------------------------------------------------------
// Concurrent attest runs: DELETE, twins and a create barrier

function deleteOccurrence({ state, match }: Context): Answer {
  const name = `projects/${match[1]}/occurrences/${match[2]}`;
  const index = (state.occurrences as Occurrence[]).findIndex((o) => o.name === name);
  if (index === -1) return googleError(404, `Occurrence ${name} not found.`);
  state.occurrences.splice(index, 1);
  return ok({});
}

/** After a create: the same attestation under another name, 1 ms older or younger (FakeRace.twin). */
function storeTwin(state: FakeGoogleState, race: FakeRace | undefined, answer: Answer): void {
  if (race?.twin === undefined || answer.status !== 200) return;
  const created = state.occurrences.at(-1) as Occurrence & { name: string; createTime: string };
  const shift = race.twin === 'older' ? -1 : 1;
  const time = new Date(Date.parse(created.createTime) + shift).toISOString();
  const project = created.name.split('/')[1];
  state.occurrences.push({ ...created, name: `projects/${project}/occurrences/twin-${randomUUID()}`, createTime: time, updateTime: time });
}

const isCreate = (request: RecordedRequest): boolean => request.method === 'POST' && /^\/v1\/projects\/[^/]+\/occurrences$/.test(request.path);

/** Holds each arrival until `size` have arrived, or 10 s passed, then lets them all through (FakeRace.barrier). */
function createBarrier(size: number): () => Promise<void> {
  let waiting: (() => void)[] = [];
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      const timer = setTimeout(() => {
        waiting = waiting.filter((w) => w !== resolve);
        resolve();
      }, 10_000);
      timer.unref();
      if (waiting.length >= size) {
        for (const release of waiting) release();
        waiting = [];
      }
    });
}

function getOccurrence({ state, match }: Context): Answer {
  const name = `projects/${match[1]}/occurrences/${match[2]}`;
  const occurrence = (state.occurrences as Occurrence[]).find((o) => o.name === name);
  return occurrence ? ok(asServed(occurrence)) : googleError(404, `Occurrence ${name} not found.`);
}

// ---------------------------------------------------------------------------------------------------------
// Cloud KMS: signing a digest the client already hashed, as KMS does

type HashName = 'sha256' | 'sha384' | 'sha512';

type SigningScheme =
  | { kind: 'ec'; curve: string; hash: HashName }
  | { kind: 'rsa'; padding: 'pss' | 'pkcs1'; bits: number; hash: HashName }
  | { kind: 'ed25519' };

const EC_CURVES: Readonly<Record<string, string>> = { P256: 'prime256v1', P384: 'secp384r1', SECP256K1: 'secp256k1' };

// Group orders, needed to finish ECDSA by hand (node:crypto has no sign-a-prehashed-digest call).
const EC_ORDERS: Readonly<Record<string, bigint>> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
};

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1) that PKCS#1 v1.5 puts before the digest.
const DIGEST_INFO: Readonly<Record<HashName, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const DIGEST_BYTES: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** EC_SIGN_P256_SHA256, RSA_SIGN_PSS_2048_SHA256, RSA_SIGN_PKCS1_4096_SHA512, EC_SIGN_ED25519, … */
function signingScheme(algorithm: string): SigningScheme | null {
  if (algorithm === 'EC_SIGN_ED25519') return { kind: 'ed25519' };
  const ec = /^EC_SIGN_(P256|P384|SECP256K1)_(SHA256|SHA384)$/.exec(algorithm);
  if (ec) return { kind: 'ec', curve: EC_CURVES[ec[1]!]!, hash: ec[2]!.toLowerCase() as HashName };
  const rsa = /^RSA_SIGN_(PSS|PKCS1)_(\d+)_(SHA256|SHA512)$/.exec(algorithm);
  if (rsa) return { kind: 'rsa', padding: rsa[1] === 'PSS' ? 'pss' : 'pkcs1', bits: Number(rsa[2]), hash: rsa[3]!.toLowerCase() as HashName };
  return null;
}

/** Why the held key cannot serve this scheme (a mistake in the test's state), or null. */
function keyMismatch(key: KeyObject, scheme: SigningScheme): string | null {
  const details = key.asymmetricKeyDetails ?? {};
  if (scheme.kind === 'ed25519') return key.asymmetricKeyType === 'ed25519' ? null : 'an Ed25519 key';
  if (scheme.kind === 'ec') return key.asymmetricKeyType === 'ec' && details.namedCurve === scheme.curve ? null : `an EC ${scheme.curve} key`;
  return key.asymmetricKeyType === 'rsa' && details.modulusLength === scheme.bits ? null : `an RSA ${scheme.bits}-bit key`;
}

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  for (let b = base % modulus, e = exponent; e > 0n; e >>= 1n, b = (b * b) % modulus) if (e & 1n) result = (result * b) % modulus;
  return result;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = toBytes(BigInt(length), Math.ceil(length.toString(16).length / 2));
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), bytes]);
}

/**
 * ECDSA over a digest (SEC 1 §4.1.3). node:crypto always hashes what it signs, so the nonce point k·G comes from
 * ECDH (its "public key" for private value k) and the rest is BigInt arithmetic. Not constant-time: a test fake.
 */
function ecdsaSignDigest(privateKey: KeyObject, curve: string, digest: Buffer): Buffer {
  const n = EC_ORDERS[curve]!;
  const size = Math.ceil(n.toString(16).length / 2);
  const d = toBigInt(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const z = toBigInt(digest.subarray(0, size)); // leftmost bits of the digest, as many as the order has
  for (;;) {
    const k = (toBigInt(randomBytes(size + 8)) % (n - 1n)) + 1n;
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(toBytes(k, size));
    const r = toBigInt(ecdh.getPublicKey().subarray(1, 1 + size)) % n;
    const s = (modPow(k, n - 2n, n) * ((z + r * d) % n)) % n;
    if (r === 0n || s === 0n) continue;
    const sequence = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30]), derLength(sequence.length), sequence]);
  }
}

function mgf1(seed: Buffer, length: number, hash: HashName): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * DIGEST_BYTES[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 over the same hash and a salt as long as the digest, as KMS signs. */
function pssEncode(digest: Buffer, hash: HashName, modulusBits: number): Buffer {
  const emBits = modulusBits - 1;
  const emLength = Math.ceil(emBits / 8);
  const salt = randomBytes(digest.length);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLength - salt.length - h.length - 2), Buffer.from([0x01]), salt]);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] = db[i]! ^ mask[i]!;
  db[0] = db[0]! & (0xff >> (8 * emLength - emBits));
  const encoded = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return Buffer.concat([Buffer.alloc(Math.ceil(modulusBits / 8) - encoded.length), encoded]);
}

function rsaSignDigest(privateKey: KeyObject, scheme: Extract<SigningScheme, { kind: 'rsa' }>, digest: Buffer): Buffer {
  if (scheme.padding === 'pkcs1') {
    // privateEncrypt with PKCS#1 padding is exactly the v1.5 signature primitive over DigestInfo ‖ digest.
    const digestInfo = Buffer.concat([Buffer.from(DIGEST_INFO[scheme.hash], 'hex'), digest]);
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
  }
  // Without padding, privateEncrypt is the raw RSA operation applied to the encoded message.
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, pssEncode(digest, scheme.hash, scheme.bits));
}

function signDigest(privateKey: KeyObject, scheme: Exclude<SigningScheme, { kind: 'ed25519' }>, digest: Buffer): Buffer {
  return scheme.kind === 'ec' ? ecdsaSignDigest(privateKey, scheme.curve, digest) : rsaSignDigest(privateKey, scheme, digest);
}

const KEY_VERSION = 'projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+/cryptoKeyVersions/[^/:]+';

interface HeldKey {
  name: string;
  privateKey: KeyObject;
  algorithm: string;
}

function findKey({ state, match }: Context): HeldKey | Answer {
  const name = match[1]!;
  const key = state.kmsKeys.get(name);
  return key ? { name, ...key } : googleError(404, `Resource '${name}' was not found`);
}

const protectionLevel = 'SOFTWARE';

function getCryptoKeyVersion(context: Context, createTime: string): Answer {
  const key = findKey(context);
  if (isAnswer(key)) return key;
  return ok({ name: key.name, state: 'ENABLED', createTime, generateTime: createTime, protectionLevel, algorithm: key.algorithm });
}

function getPublicKey(context: Context): Answer {
  const key = findKey(context);
  if (isAnswer(key)) return key;
  const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return ok({ pem, algorithm: key.algorithm, pemCrc32c: String(crc32c(Buffer.from(pem))), name: key.name, protectionLevel });
}

/** The digest to sign (hashing `data` when the client sent data), or the error KMS would answer. */
function digestToSign(body: Record<string, unknown>, scheme: Exclude<SigningScheme, { kind: 'ed25519' }>, algorithm: string): Buffer | Answer {
  if (body['data'] !== undefined) {
    const data = decodeBase64(body['data']);
    return data ? createHash(scheme.hash).update(data).digest() : badBytes('data', body['data']);
  }
  const digest = body['digest'];
  const fields = digest && typeof digest === 'object' ? Object.entries(digest) : [];
  if (fields.length !== 1) return googleError(400, 'Exactly one of data or digest.sha256/sha384/sha512 must be set.');
  const [field, value] = fields[0]!;
  if (field !== scheme.hash) return googleError(400, `The digest ${field} does not match the algorithm ${algorithm}, which signs ${scheme.hash} digests.`);
  const bytes = decodeBase64(value);
  if (!bytes) return badBytes(`digest.${field}`, value);
  if (bytes.length !== DIGEST_BYTES[scheme.hash])
    return googleError(400, `The ${field} digest must be ${DIGEST_BYTES[scheme.hash]} bytes, not ${bytes.length}.`);
  return bytes;
}

/** KMS checks the optional CRC32C of what it was sent, and says whether it did. */
function checkCrc32c(body: Record<string, unknown>, field: 'data' | 'digest', scheme: SigningScheme): Answer | boolean {
  const sent = body[`${field}Crc32c`];
  if (sent === undefined) return false;
  const digest = body['digest'] as Record<string, unknown> | undefined;
  const value = field === 'data' ? body['data'] : scheme.kind === 'ed25519' ? undefined : digest?.[scheme.hash];
  const bytes = decodeBase64(value) ?? Buffer.alloc(0);
  if (String(sent) !== String(crc32c(bytes))) return googleError(400, `The checksum in field ${field}_crc32c did not match the data in field ${field}.`);
  return true;
}

function signRequest(key: HeldKey, scheme: SigningScheme, body: Record<string, unknown>): Buffer | Answer {
  if (scheme.kind !== 'ed25519') {
    const digest = digestToSign(body, scheme, key.algorithm);
    return isAnswer(digest) ? digest : signDigest(key.privateKey, scheme, digest);
  }
  // Ed25519 signs the message itself: KMS takes only `data` for it.
  const data = decodeBase64(body['data']);
  if (body['digest'] !== undefined || !data) return googleError(400, `${key.algorithm} signs data, not a digest: send data (base64).`);
  return sign(null, data, key.privateKey);
}

function asymmetricSign(context: Context): Answer {
  const key = findKey(context);
  if (isAnswer(key)) return key;
  const scheme = signingScheme(key.algorithm);
  if (!scheme) return googleError(400, `${key.name} has algorithm ${key.algorithm}, which the fake cannot sign with.`);
  const mismatch = keyMismatch(key.privateKey, scheme);
  if (mismatch) return googleError(500, `fake-google state: ${key.name} is ${key.algorithm} but does not hold ${mismatch}.`);
  const body = parseJsonBody(context.request);
  if (isAnswer(body)) return body;
  const checks = [checkCrc32c(body, 'digest', scheme), checkCrc32c(body, 'data', scheme)];
  const failed = checks.find(isAnswer);
  if (failed) return failed;
  const signature = signRequest(key, scheme, body);
  if (isAnswer(signature)) return signature;
  // proto3 JSON leaves out false booleans, so the verified* flags appear only when true.
  const answer: Record<string, unknown> = { signature: signature.toString('base64'), signatureCrc32c: String(crc32c(signature)) };
  if (checks[0] === true) answer['verifiedDigestCrc32c'] = true;
  if (checks[1] === true) answer['verifiedDataCrc32c'] = true;
  return ok({ ...answer, name: key.name, protectionLevel });
}

// ---------------------------------------------------------------------------------------------------------
// Routing

// Query parameters every Google REST method takes (googleapis' StandardParameters).
const STANDARD_QUERY = new Set([
  '$.xgafv',
  'access_token',
  'alt',
  'callback',
  'fields',
  'key',
  'oauth_token',
  'prettyPrint',
  'quotaUser',
  'uploadType',
  'upload_protocol',
]);

function routes(createTime: string): readonly Route[] {
  const project = '/v1/projects/([^/]+)';
  return [
    { method: 'GET', pattern: new RegExp(`^${project}/policy$`), query: [], answer: getPolicy },
    { method: 'GET', pattern: /^\/(v1|v1beta1)\/projects\/([^/]+)\/attestors\/([^/:]+)$/, query: [], answer: getAttestor },
    {
      method: 'POST',
      pattern: /^\/(v1)\/projects\/([^/]+)\/attestors\/([^/:]+):validateAttestationOccurrence$/,
      query: [],
      answer: validateAttestationOccurrence,
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${project}/notes/([^/]+)/occurrences$`),
      query: ['filter', 'pageSize', 'page_size', 'pageToken', 'page_token'],
      answer: listNoteOccurrences,
    },
    { method: 'POST', pattern: new RegExp(`^${project}/occurrences$`), query: [], answer: createOccurrence },
    { method: 'GET', pattern: new RegExp(`^${project}/occurrences/([^/:]+)$`), query: [], answer: getOccurrence },
    { method: 'DELETE', pattern: new RegExp(`^${project}/occurrences/([^/:]+)$`), query: [], answer: deleteOccurrence },
    { method: 'GET', pattern: new RegExp(`^/v1/(${KEY_VERSION})$`), query: [], answer: (c) => getCryptoKeyVersion(c, createTime) },
    { method: 'GET', pattern: new RegExp(`^/v1/(${KEY_VERSION})/publicKey$`), query: ['publicKeyFormat', 'public_key_format'], answer: getPublicKey },
    { method: 'POST', pattern: new RegExp(`^/v1/(${KEY_VERSION}):asymmetricSign$`), query: [], answer: asymmetricSign },
  ];
}

/** Which API a path belongs to: the three share one host here, so the path alone decides. */
function apiOf(path: string): Api {
  if (/^\/v1\/projects\/[^/]+\/locations\/[^/]+\/keyRings(\/|$)/.test(path)) return 'cloudkms';
  if (/^\/v1(beta1)?\/projects\/[^/]+\/(policy|attestors)(\/|:|$)/.test(path)) return 'binaryauthorization';
  if (/^\/v1\/projects\/[^/]+\/(notes|occurrences)(\/|:|$)/.test(path)) return 'containeranalysis';
  return 'unknown';
}

function unknownQuery(request: RecordedRequest, route: Route): Answer | null {
  const name = Object.keys(request.query).find((key) => !STANDARD_QUERY.has(key) && !route.query.includes(key));
  if (name === undefined) return null;
  return googleError(
    400,
    `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
  );
}

function route(table: readonly Route[], state: FakeGoogleState, options: FakeGoogleOptions, request: RecordedRequest): Answer {
  for (const candidate of table) {
    const match = candidate.method === request.method ? candidate.pattern.exec(request.path) : null;
    if (!match) continue;
    return unknownQuery(request, candidate) ?? candidate.answer({ state, options, request, match });
  }
  return googleError(404, `The fake Google server has no ${request.method} ${request.path}.`);
}

/** 401 unless the request carries the required token, in the header or (as Google also accepts) the query. */
function unauthenticated(rawAuthorization: string | undefined, request: RecordedRequest, token: string | undefined): Answer | null {
  if (token === undefined) return null;
  if (rawAuthorization === `Bearer ${token}` || request.query['access_token'] === token) return null;
  const why = rawAuthorization === undefined ? 'Request is missing required authentication credential.' : 'Request had invalid authentication credentials.';
  const message = `${why} Expected OAuth 2 access token, login cookie or other valid authentication credential.`;
  return googleError(401, message, { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' });
}

// ---------------------------------------------------------------------------------------------------------
// The server

interface PendingFault extends FakeFault {
  remaining: number;
}

function faultAnswer(fault: PendingFault, request: RecordedRequest, rawAuthorization: string | undefined): Answer {
  const code = fault.status ?? 503;
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  const answer = googleError(
    code,
    `Injected fault: HTTP ${code} for ${request.method} ${request.path}.${fault.echoAuthorization ? ` ${echoed(rawAuthorization)}` : ''}`,
    headers,
  );
  return fault.echoAuthorization ? { ...answer, body: { ...(answer.body as object), request: { headers: { authorization: rawAuthorization } } } } : answer;
}

function echoed(rawAuthorization: string | undefined): string {
  const token = rawAuthorization?.replace(/^\S+\s+/, '') ?? '';
  const base64 = Buffer.from(`token=${token}`).toString('base64');
  return `You sent Authorization: ${rawAuthorization}; token ${token}; url ?access_token=${encodeURIComponent(token)}; json ${JSON.stringify({ token })}; base64 ${base64}`;
}

/** The first fault that matches this request, with one use taken off it. */
function takeFault(faults: PendingFault[], request: RecordedRequest): PendingFault | undefined {
  const fault = faults.find((f) => f.remaining > 0 && (f.match?.(request) ?? true));
  if (fault) fault.remaining--;
  return fault;
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function recordedHeaders(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Keep the scheme so tests can tell a Bearer token was sent; never keep the token.
  if (headers['authorization'] !== undefined) headers['authorization'] = `${headers['authorization'].split(' ')[0]} <redacted>`;
  return headers;
}

function record(incoming: IncomingMessage, body: string): RecordedRequest {
  const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
  const path = decodePath(url.pathname);
  const query = Object.fromEntries(url.searchParams);
  return { method: incoming.method ?? 'GET', path, query, headers: recordedHeaders(incoming), body, api: apiOf(path), at: Date.now() };
}

function send(response: ServerResponse, answer: Answer, pretty: boolean): void {
  if (response.destroyed || response.headersSent) return;
  // Google pretty-prints JSON unless the client asks prettyPrint=false.
  const text = `${JSON.stringify(answer.body, null, pretty ? 2 : undefined)}\n`;
  response.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...answer.headers,
  });
  response.end(text);
}

/** Headers at once, then a body that never ends: a byte every `ms` until the client gives up. */
function drip(response: ServerResponse, ms: number): void {
  response.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
  response.write('{');
  const timer = setInterval(() => response.write(' '), ms);
  response.on('close', () => clearInterval(timer));
}

function sendRaw(response: ServerResponse, answer: RawAnswer): void {
  response.writeHead(answer.status ?? 200, {
    'Content-Type': answer.contentType ?? 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(answer.body),
  });
  response.end(answer.body);
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const state: FakeGoogleState = { policies: new Map(), attestors: new Map(), occurrences: [], kmsKeys: new Map() };
  const requests: RecordedRequest[] = [];
  const faults: PendingFault[] = [];
  const table = routes(new Date().toISOString());
  const closing = new AbortController();
  const hanging = new Set<ServerResponse>();
  const barrier = options.race?.barrier ? createBarrier(options.race.barrier) : null;
  let inFlight = 0;
  let peak = 0;

  async function answer(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = record(incoming, await readBody(incoming));
    requests.push(request);
    const fault = takeFault(faults, request);
    if (fault?.hang) {
      hanging.add(response); // answered by nobody: closed by the client's timeout or by close()
      return;
    }
    if (fault?.reset) {
      response.socket?.resetAndDestroy();
      return;
    }
    if (fault?.dripMs !== undefined) {
      drip(response, fault.dripMs);
      hanging.add(response);
      return;
    }
    if (fault?.raw) {
      sendRaw(response, typeof fault.raw === 'function' ? fault.raw(request) : fault.raw);
      return;
    }
    // Faults come before authentication: they stand for the network and Google's front end, which answer
    // 429/503 or nothing whoever is asking.
    if (barrier !== null && isCreate(request)) await barrier();
    const routed =
      fault?.status !== undefined || fault?.echoAuthorization
        ? faultAnswer(fault, request, incoming.headers.authorization)
        : (unauthenticated(incoming.headers.authorization, request, options.requireToken) ?? route(table, state, options, request));
    const reply = fault?.rewrite ? { ...routed, body: fault.rewrite(routed.body, request) } : routed;
    if (!fault && isCreate(request)) storeTwin(state, options.race, reply);
    if (options.latencyMs) await sleep(options.latencyMs, undefined, { signal: closing.signal });
    send(response, reply, request.query['prettyPrint'] !== 'false');
  }

  const server = createServer((incoming, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    response.on('close', () => {
      inFlight--;
      hanging.delete(response);
    });
    answer(incoming, response).catch((error: unknown) => {
      if (closing.signal.aborted) return;
      send(response, googleError(500, `fake-google failed: ${error instanceof Error ? error.stack : String(error)}`), true);
    });
  });
  // Benchmarks open many connections at once; the default backlog and keep-alive are fine for loopback.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url,
    state,
    requests,
    env: () => ({
      CLOUDSDK_API_ENDPOINT_OVERRIDES_BINARYAUTHORIZATION: url,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: url,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS: url,
      CLOUDSDK_AUTH_ACCESS_TOKEN: options.requireToken ?? FAKE_ACCESS_TOKEN,
    }),
    inject(fault) {
      const kinds = [
        fault.status !== undefined,
        fault.hang,
        fault.reset,
        fault.dripMs !== undefined,
        fault.raw !== undefined,
        fault.rewrite !== undefined,
      ].filter(Boolean).length;
      if (kinds !== 1) throw new TypeError('inject() needs exactly one of status, hang, reset, dripMs, raw or rewrite');
      faults.push({ ...fault, remaining: fault.count });
    },
    inFlightPeak: () => peak,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        for (const response of hanging) response.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
