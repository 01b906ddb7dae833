// The attest step, wired: create exactly the attestations the policy needs, as gcloud would,
// and never twice. Only images named explicitly are signed (--from-manifests narrows that list, it
// never adds to it), and only once their registry confirms the digest exists. Each image's digest is
// looked up first (an attestation this attestor already verifies means nothing to do); a new signature
// is checked against the attestor's key before anything is created, the created occurrence is verified
// again, and a list after creating makes concurrent runs converge on one occurrence: the oldest valid
// one stays, and a run whose own is younger deletes it.
import {
  singleAttestor,
  parseOccurrences,
  verifyAttestor,
  verifySignature,
  keyIdMatches,
  createSignaturePayload,
  type Attestor,
  type AttestorKey,
} from '../attestations/index.ts';
import {
  attestorSigningScheme,
  keyFitsScheme,
  kmsSigningScheme,
  payloadDigest,
  readSigningKey,
  signLocally,
  type SigningScheme,
} from '../attestations/signing.ts';
import type { FileScope } from '../files/manifest-files.ts';
import { padded, type GoogleApis } from '../gcp/google-apis.ts';
import { parseImageReference } from '../images/reference.ts';
import type { DigestChecker } from '../registry/check-digest.ts';
import { loadPolicy } from './load-policy.ts';
import { readManifests } from './load-workloads.ts';
import { readNamedFile } from './named-files.ts';
import type { LiveServices, NamedFileReading, PolicySource } from './settings.ts';
import { attestationNeed, decide, evidenceNeeds, NOTHING_ATTESTED } from '../policy/decide.ts';
import { resolveTags } from './gather-evidence.ts';
import { RemoteFailure, UserError, messageOf } from '../errors.ts';
import type { AttestationRecord, AttestReport } from '../report/attest-report.ts';

export type SignerSettings =
  | { readonly kind: 'kms'; readonly keyVersion: string }
  | { readonly kind: 'local'; readonly keyFile: string; readonly publicKeyId: string };

export interface AttestSettings {
  readonly attestor: string;
  readonly signer: SignerSettings;
  /** The images to attest, named by the caller (the build); never taken from manifests. */
  readonly images: readonly string[];
  /** Narrows `images` to those these manifests deploy under a workload the policy sends to this attestor; never adds one. */
  readonly fromManifests: { readonly paths: readonly string[]; readonly policy: PolicySource } | null;
  /** The project the occurrences are created in (default: the note's project). */
  readonly project: string | null;
  /** Where --from-manifests paths come from; its working folder confines the key and policy files. */
  readonly files: FileScope;
  readonly maxFileBytes: number;
}

/** What attest needs of live mode: the Google APIs, tag resolution, and the registry's digest check. */
export interface AttestServices extends LiveServices {
  readonly checkDigest: DigestChecker;
}

interface Signer {
  readonly keyId: string;
  readonly key: AttestorKey;
  readonly scheme: SigningScheme;
  sign(payload: Buffer): Promise<Buffer>;
}

/** The registry refused the digest (404: `not-attested`) or could not be asked (`undecided`); nothing was created. */
class DigestRefused extends RemoteFailure {
  readonly kind: 'undecided' | 'not-attested';
  constructor(kind: 'undecided' | 'not-attested', message: string) {
    super(message);
    this.kind = kind;
  }
}

interface Target {
  readonly image: string;
  readonly name: string;
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
  readonly notes: readonly string[];
}

/** `secrets` (the run's redactor) learns the private key the moment it is read. */
export async function runAttest(settings: AttestSettings, live: AttestServices, secrets: { addPem(text: string): void }): Promise<AttestReport> {
  const report: Mutable<AttestReport> = { attestations: [], skipped: [], failures: [] };
  let attestor: Attestor;
  let signer: Signer;
  try {
    attestor = await fetchAttestor(live.apis, settings.attestor);
    signer = await createSigner(
      settings.signer,
      attestor,
      live.apis,
      { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes },
      secrets,
    );
  } catch (error) {
    report.failures.push({ image: null, kind: error instanceof UserError ? 'bad-input' : 'not-attested', message: messageOf(error) });
    return report;
  }
  const targets = await collectTargets(settings, live, report);
  const project = settings.project ?? projectOf(attestor.noteReference);
  // Concurrent, but reported in the order the images were given, whatever finishes first.
  const outcomes = await Promise.all(
    targets.map(async (target) => {
      try {
        return { record: await attestOne(target, attestor, signer, live, project) };
      } catch (error) {
        return { failure: { image: target.image, kind: error instanceof DigestRefused ? error.kind : ('not-attested' as const), message: messageOf(error) } };
      }
    }),
  );
  for (const outcome of outcomes) {
    if ('record' in outcome) report.attestations.push(outcome.record);
    else report.failures.push(outcome.failure);
  }
  return report;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

async function fetchAttestor(apis: GoogleApis, name: string): Promise<Attestor> {
  const single = singleAttestor(await apis.getAttestor(name));
  if (!single.ok) throw new UserError(`attestor ${name} cannot be used: ${single.problem}`);
  return single.attestor;
}

async function createSigner(
  settings: SignerSettings,
  attestor: Attestor,
  apis: GoogleApis,
  reading: NamedFileReading,
  secrets: { addPem(text: string): void },
): Promise<Signer> {
  const keyId = settings.kind === 'kms' ? `//cloudkms.googleapis.com/v1/${settings.keyVersion}` : settings.publicKeyId;
  const key = attestor.publicKeys.find((candidate) => keyIdMatches(candidate, keyId));
  if (!key) {
    const held = attestor.publicKeys.map((k) => k.id);
    throw new UserError(
      `attestor ${attestor.name} holds no public key with id ${keyId}; it holds ${held.length > 0 ? held.join(', ') : 'no keys at all'}. Nothing was created`,
    );
  }
  if (key.kind !== 'pkix') throw new UserError(`key ${keyId} of ${attestor.name} is a PGP key: binauthz-gate signs with Cloud KMS or PEM keys (PKIX) only`);
  const declared = attestorSigningScheme(key.algorithm);
  if (!declared) throw new UserError(`key ${keyId} of ${attestor.name} declares ${key.algorithm}, which binauthz-gate cannot sign for`);
  if (settings.kind === 'kms') {
    const algorithm = await apis.getKeyVersionAlgorithm(settings.keyVersion);
    const scheme = kmsSigningScheme(algorithm);
    if (!scheme) throw new UserError(`Cloud KMS key version ${settings.keyVersion} is ${algorithm}, not an asymmetric signing key binauthz-gate can use`);
    return {
      keyId,
      key,
      scheme,
      sign: (payload) => apis.asymmetricSign(settings.keyVersion, { hash: scheme.hash, bytes: payloadDigest(scheme.hash, payload) }),
    };
  }
  const read = await readNamedFile(settings.keyFile, reading);
  if (!read.ok) throw new UserError(`private key ${settings.keyFile}: ${read.problem}`);
  secrets.addPem(read.text);
  const local = readSigningKey(read.text);
  if (!local.ok) throw new UserError(`private key ${settings.keyFile}: ${local.problem}`);
  const mismatch = keyFitsScheme(local.key, declared);
  if (mismatch) throw new UserError(`private key ${settings.keyFile} cannot sign for key ${keyId} (${key.algorithm}): ${mismatch}`);
  return { keyId, key, scheme: declared, sign: async (payload) => signLocally(local.key, declared, payload) };
}

/**
 * The images to attest: those given, each once. With manifests, only those the manifests deploy under a
 * workload the policy sends to this attestor; the others are skipped, saying why. Manifests never add one:
 * an attestor that stamps whatever a branch's manifests name stamps whatever the branch's author wants.
 */
async function collectTargets(settings: AttestSettings, live: LiveServices, report: Mutable<AttestReport>): Promise<Target[]> {
  const targets = new Map<string, Target>();
  // Resolved concurrently, kept in the order given (deterministic output).
  const resolved = await Promise.all(settings.images.map(async (image) => ({ image, target: await toTarget(image, live) })));
  for (const { image, target } of resolved) {
    if ('problem' in target) report.failures.push({ image, kind: 'bad-input', message: target.problem });
    // Each spelling once: an attestation binds the name as written, so two spellings are two attestations.
    else targets.set(`${target.name}@${target.digest}`, target);
  }
  if (settings.fromManifests === null || targets.size === 0) return [...targets.values()];
  const wanted = await wantedByManifests(settings, settings.fromManifests, live, report);
  if (wanted === null) return [];
  const kept: Target[] = [];
  for (const target of targets.values()) {
    const why = wanted.get(targetKey(target));
    if (why === null) kept.push(target);
    else report.skipped.push({ image: target.image, reason: notWanted(target, why) });
  }
  return kept;
}

async function toTarget(image: string, live: LiveServices): Promise<Target | { problem: string }> {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return { problem: parsed.problem };
  const ref = parsed.image;
  const where = { registry: ref.registry, repository: ref.repository };
  if (ref.digest) return { image, name: ref.writtenName, ...where, digest: ref.digest, notes: [] };
  if (!live.resolveTag) return { problem: `${image} has no digest and tag resolution is off: attest IMAGE@sha256:...` };
  const tag = ref.tag ?? 'latest';
  const resolved = await live.resolveTag({ registry: ref.registry, repository: ref.repository, tag });
  if (!resolved.ok) return { problem: `tag ${tag} could not be resolved: ${resolved.problem}` };
  return {
    image,
    name: ref.writtenName,
    ...where,
    digest: resolved.digest,
    notes: [`tag ${tag} resolved to ${resolved.digest}; the attestation binds that digest, not the tag`],
  };
}

/** One key per repository and digest, whatever the spelling (`nginx`, `docker.io/library/nginx`): what narrowing compares. */
function targetKey(target: { readonly registry: string; readonly repository: string; readonly digest: string }): string {
  const host = target.registry.toLowerCase();
  return `${DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host}/${target.repository}@${target.digest}`;
}

const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function notWanted(target: Target, why: string | undefined): string {
  if (why !== undefined) return `the manifests deploy it, but ${why}`;
  return `no manifest given with --from-manifests deploys ${target.name}@${target.digest}: not attested`;
}

/**
 * Per image key the manifests deploy: null when the policy sends it to this attestor, else why not.
 * null as a whole when the policy or a manifest cannot be read (reported): nothing is attested then.
 */
async function wantedByManifests(
  settings: AttestSettings,
  from: NonNullable<AttestSettings['fromManifests']>,
  live: LiveServices,
  report: Mutable<AttestReport>,
): Promise<Map<string, string | null> | null> {
  // The policy is fetched while the manifests are read: neither needs the other.
  const [manifests, loaded] = await Promise.all([
    readManifests(from.paths, settings.files, settings.maxFileBytes),
    loadPolicy(from.policy, { workingFolder: settings.files.workingFolder, maxFileBytes: settings.maxFileBytes }, live),
  ]);
  for (const error of manifests.errors)
    report.failures.push({ image: null, kind: 'bad-input', message: `${error.file ?? ''}${error.line ? `:${error.line}` : ''} ${error.message}` });
  if (!loaded.ok) {
    for (const error of loaded.errors) report.failures.push({ image: null, kind: 'bad-input', message: error.message });
    return null;
  }
  if (manifests.errors.length > 0) return null;
  // The engine decides, with nothing attested yet, which images wait for this attestor: the same
  // decisions `check` makes (exemptions, needed digests, Docker Hub spellings, enforcement).
  const resolved = await resolveTags(evidenceNeeds(manifests.workloads, [loaded.policy]).tags, live);
  const results = decide(manifests.workloads, loaded.policy, { attestations: NOTHING_ATTESTED, tags: resolved }, { requireEnforcement: true });
  const wanted = new Map<string, string | null>();
  for (const result of results) {
    for (const container of result.containers) {
      const parsed = parseImageReference(container.image);
      // An image the manifests name but that cannot be read, or whose digest is unknown, matches no image given.
      if (!parsed.ok || container.digest === null) continue;
      const key = targetKey({ ...parsed.image, digest: container.digest });
      const skip = attestationNeed(result, container, settings.attestor);
      // Wanted by one workload is wanted: another workload's exemption does not undo it.
      if (skip === null) wanted.set(key, null);
      else if (!wanted.has(key)) wanted.set(key, skip);
    }
  }
  return wanted;
}

async function attestOne(target: Target, attestor: Attestor, signer: Signer, live: AttestServices, project: string): Promise<AttestationRecord> {
  await confirmDigestExists(target, live.checkDigest);
  const apis = live.apis;
  const image = { names: [target.name], digest: target.digest };
  const base = { image: target.image, digest: target.digest, attestor: attestor.name };
  const existing = await verifyAttestor(attestor, readOccurrences(await apis.listAttestationOccurrences(attestor.noteReference, target.digest)), image);
  if (existing.outcome === 'verified') {
    return {
      ...base,
      occurrence: existing.occurrence,
      outcome: 'existing',
      created: false,
      removed: null,
      notes: [...target.notes, 'already attested: nothing created'],
    };
  }
  const payload = createSignaturePayload(target.name, target.digest);
  const signature = await signer.sign(payload);
  const check = await verifySignature(signer.key, payload, signature);
  if (check.result !== 'valid') {
    throw new RemoteFailure(`the new signature does not verify with ${signer.keyId} as ${attestor.name} declares it (${check.reason}): nothing was created`);
  }
  const created = await apis.createOccurrence(project, {
    attestation: {
      serializedPayload: padded(payload.toString('base64url')),
      signatures: [{ publicKeyId: signer.keyId, signature: padded(signature.toString('base64url')) }],
    },
    kind: 'ATTESTATION',
    noteName: attestor.noteReference,
    resourceUri: `${target.name}@${target.digest}`,
  });
  const confirmed = await verifyAttestor(attestor, readOccurrences([created]), image);
  if (confirmed.outcome !== 'verified') throw new RemoteFailure(`the created occurrence does not verify: ${confirmed.detail}`);
  if (!confirmed.occurrence.startsWith(`projects/${project}/occurrences/`)) {
    throw new RemoteFailure(
      `Container Analysis answered the create in projects/${project} with occurrence ${confirmed.occurrence}, which is not in that project`,
    );
  }
  return converge({ ...base, notes: target.notes }, { name: confirmed.occurrence, createTime: createTimeOf(created) }, attestor, apis, image);
}

/** Signs nothing for a digest its registry does not hold: an attestation waiting for whoever pushes it first. */
async function confirmDigestExists(target: Target, checkDigest: DigestChecker): Promise<void> {
  const check = await checkDigest({ registry: target.registry, repository: target.repository, digest: target.digest });
  if (check.ok) return;
  if (check.kind === 'unknown') throw new DigestRefused('not-attested', `refused: ${check.problem}; nothing was signed or created`);
  throw new DigestRefused('undecided', `could not confirm that the digest exists: ${check.problem}; nothing was signed or created`);
}

interface Stamped {
  readonly name: string;
  /** createTime in nanoseconds since the epoch; null when the answer has none that can be read */
  readonly createTime: bigint | null;
}

type RecordBase = Pick<AttestationRecord, 'image' | 'digest' | 'attestor' | 'notes'>;

/**
 * Two runs that both found nothing both create. Listing again, each sees the same set and picks the same
 * keeper, the oldest valid one (createTime, then name); the run whose own occurrence is not the keeper
 * deletes it. Only this run's occurrence is ever deleted. When the list or the delete fails, the attestation
 * stands (it is valid) and the note says a duplicate may remain.
 */
async function converge(
  base: RecordBase,
  mine: Stamped,
  attestor: Attestor,
  apis: GoogleApis,
  image: { names: string[]; digest: string },
): Promise<AttestationRecord> {
  const created: AttestationRecord = { ...base, occurrence: mine.name, outcome: 'created', created: true, removed: null };
  const withNote = (note: string): AttestationRecord => ({ ...created, notes: [...base.notes, note] });
  if (mine.createTime === null)
    return withNote('Container Analysis gave the new occurrence no createTime, so a duplicate made concurrently could not be looked for');
  let listed: unknown[];
  try {
    listed = await apis.listAttestationOccurrences(attestor.noteReference, image.digest, `after creating ${mine.name}`);
  } catch (error) {
    return withNote(`could not list again to look for a duplicate made concurrently: ${messageOf(error)}`);
  }
  const valid = (await validOccurrences(attestor, listed, image)).filter((occurrence) => occurrence.name !== mine.name);
  const keeper = [mine, ...valid].filter((occurrence) => occurrence.createTime !== null).sort(olderFirst)[0] ?? mine;
  if (keeper.name === mine.name) return created;
  try {
    await apis.deleteOccurrence(mine.name);
  } catch (error) {
    return withNote(`${keeper.name}, made concurrently, is older; deleting this run's duplicate failed, so both remain: ${messageOf(error)}`);
  }
  return { ...base, occurrence: keeper.name, outcome: 'deduplicated', created: false, removed: mine.name };
}

/** The listed occurrences that this attestor verifies for the image, each on its own, with their createTime. */
async function validOccurrences(attestor: Attestor, listed: readonly unknown[], image: { names: string[]; digest: string }): Promise<Stamped[]> {
  const times = new Map<string, bigint | null>();
  for (const item of listed) {
    const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
    if (typeof name === 'string') times.set(name, createTimeOf(item));
  }
  const valid: Stamped[] = [];
  for (const occurrence of readOccurrences(listed)) {
    const check = await verifyAttestor(attestor, [occurrence], image);
    if (check.outcome === 'verified') valid.push({ name: check.occurrence, createTime: times.get(check.occurrence) ?? null });
  }
  return valid;
}

function olderFirst(a: Stamped, b: Stamped): number {
  const [ta, tb] = [a.createTime ?? 0n, b.createTime ?? 0n];
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const TIMESTAMP_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** An RFC 3339 createTime to nanoseconds: Google writes up to nine fractional digits, beyond what Date keeps. */
export function createTimeOf(occurrence: unknown): bigint | null {
  const text = typeof occurrence === 'object' && occurrence !== null ? (occurrence as { createTime?: unknown }).createTime : undefined;
  if (typeof text !== 'string') return null;
  const match = TIMESTAMP_RE.exec(text);
  if (match === null) return null;
  const wholeSecondsMs = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(wholeSecondsMs)) return null;
  return BigInt(wholeSecondsMs) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

function readOccurrences(json: readonly unknown[]) {
  return parseOccurrences(json).occurrences;
}

function projectOf(note: string): string {
  return note.split('/')[1] ?? note;
}
