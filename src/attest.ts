// The attest step, wired: create exactly the attestations the policy needs, as gcloud would,
// and never twice. Each image's digest is looked up first (an attestation this attestor already
// verifies means nothing to do); a new signature is checked against the attestor's key before
// anything is created, and the created occurrence is verified again before success is reported.
import { parseAttestors, parseOccurrences, verifyAttestor, verifySignature, keyIdMatches, createSignaturePayload, type Attestor, type AttestorKey } from './attestations/index.ts';
import { attestorSigningScheme, keyFitsScheme, kmsSigningScheme, payloadDigest, readSigningKey, signLocally, type SigningScheme } from './attestations/signing.ts';
import { readTextFile } from './files/manifest-files.ts';
import { padded, type GoogleApis } from './gcp/google-apis.ts';
import { parseImageReference, type ImageReference } from './images/reference.ts';
import { loadPolicy, readManifests, type LiveServices, type PolicySource } from './check.ts';
import { exemptionOf } from './policy/evaluate.ts';

export type SignerSettings = { readonly kind: 'kms'; readonly keyVersion: string } | { readonly kind: 'local'; readonly keyFile: string; readonly publicKeyId: string };

export interface AttestSettings {
  readonly attestor: string;
  readonly signer: SignerSettings;
  readonly images: readonly string[];
  /** Attest what these manifests deploy and the policy sends to this attestor. */
  readonly fromManifests: { readonly paths: readonly string[]; readonly policy: PolicySource } | null;
  /** The project the occurrences are created in (default: the note's project). */
  readonly project: string | null;
  readonly maxFileBytes: number;
}

export interface AttestationRecord {
  readonly image: string;
  readonly digest: string;
  readonly attestor: string;
  readonly occurrence: string;
  readonly created: boolean;
  readonly notes: readonly string[];
}

export interface AttestReport {
  readonly attestations: readonly AttestationRecord[];
  readonly skipped: readonly { readonly image: string; readonly reason: string }[];
  /** `bad-input`: nothing could be tried (exit 2); `not-attested`: tried and failed (exit 1). */
  readonly failures: readonly { readonly image: string | null; readonly kind: 'bad-input' | 'not-attested'; readonly message: string }[];
}

interface Signer {
  readonly keyId: string;
  readonly key: AttestorKey;
  readonly scheme: SigningScheme;
  sign(payload: Buffer): Promise<Buffer>;
}

class BadInput extends Error {}

interface Target {
  readonly image: string;
  readonly name: string;
  readonly digest: string;
  readonly notes: readonly string[];
}

/** `secrets` (the run's redactor) learns the private key the moment it is read. */
export async function runAttest(settings: AttestSettings, live: LiveServices, secrets: { addPem(text: string): void }): Promise<AttestReport> {
  const report: Mutable<AttestReport> = { attestations: [], skipped: [], failures: [] };
  let attestor: Attestor;
  let signer: Signer;
  try {
    attestor = await fetchAttestor(live.apis, settings.attestor);
    signer = await createSigner(settings.signer, attestor, live.apis, settings.maxFileBytes, secrets);
  } catch (error) {
    report.failures.push({ image: null, kind: error instanceof BadInput ? 'bad-input' : 'not-attested', message: messageOf(error) });
    return report;
  }
  const targets = await collectTargets(settings, live, report);
  const project = settings.project ?? projectOf(attestor.noteReference);
  await Promise.all(
    targets.map(async (target) => {
      try {
        report.attestations.push(await attestOne(target, attestor, signer, live.apis, project));
      } catch (error) {
        report.failures.push({ image: target.image, kind: 'not-attested', message: messageOf(error) });
      }
    }),
  );
  return report;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

async function fetchAttestor(apis: GoogleApis, name: string): Promise<Attestor> {
  const parsed = parseAttestors(await apis.getAttestor(name));
  const attestor = parsed.attestors[0];
  if (!attestor || parsed.problems.length > 0) throw new BadInput(`attestor ${name} cannot be used: ${parsed.problems.join('; ') || 'empty answer'}`);
  return attestor;
}

async function createSigner(settings: SignerSettings, attestor: Attestor, apis: GoogleApis, maxFileBytes: number, secrets: { addPem(text: string): void }): Promise<Signer> {
  const keyId = settings.kind === 'kms' ? `//cloudkms.googleapis.com/v1/${settings.keyVersion}` : settings.publicKeyId;
  const key = attestor.publicKeys.find((candidate) => keyIdMatches(candidate, keyId));
  if (!key) {
    const held = attestor.publicKeys.map((k) => k.id);
    throw new BadInput(`attestor ${attestor.name} holds no public key with id ${keyId}; it holds ${held.length > 0 ? held.join(', ') : 'no keys at all'}. Nothing was created`);
  }
  if (key.kind !== 'pkix') throw new BadInput(`key ${keyId} of ${attestor.name} is a PGP key: binauthz-gate signs with Cloud KMS or PEM keys (PKIX) only`);
  const declared = attestorSigningScheme(key.algorithm);
  if (!declared) throw new BadInput(`key ${keyId} of ${attestor.name} declares ${key.algorithm}, which binauthz-gate cannot sign for`);
  if (settings.kind === 'kms') {
    const algorithm = await apis.getKeyVersionAlgorithm(settings.keyVersion);
    const scheme = kmsSigningScheme(algorithm);
    if (!scheme) throw new BadInput(`Cloud KMS key version ${settings.keyVersion} is ${algorithm}, not an asymmetric signing key binauthz-gate can use`);
    return { keyId, key, scheme, sign: (payload) => apis.asymmetricSign(settings.keyVersion, { hash: scheme.hash, bytes: payloadDigest(scheme.hash, payload) }) };
  }
  const read = readTextFile(settings.keyFile, maxFileBytes);
  if (!read.ok) throw new BadInput(`private key ${settings.keyFile}: ${read.problem}`);
  secrets.addPem(read.text);
  const local = readSigningKey(read.text);
  if (!local.ok) throw new BadInput(`private key ${settings.keyFile}: ${local.problem}`);
  const mismatch = keyFitsScheme(local.key, declared);
  if (mismatch) throw new BadInput(`private key ${settings.keyFile} cannot sign for key ${keyId} (${key.algorithm}): ${mismatch}`);
  return { keyId, key, scheme: declared, sign: async (payload) => signLocally(local.key, declared, payload) };
}

/** The images to attest: those given, and those the manifests deploy that the policy sends to this attestor. */
async function collectTargets(settings: AttestSettings, live: LiveServices, report: Mutable<AttestReport>): Promise<Target[]> {
  const candidates: { image: string; reason: string | null }[] = settings.images.map((image) => ({ image, reason: null }));
  if (settings.fromManifests) candidates.push(...(await imagesFromManifests(settings, live, report)));
  const targets = new Map<string, Target>();
  await Promise.all(
    candidates.map(async ({ image }) => {
      const target = await toTarget(image, live);
      if ('problem' in target) report.failures.push({ image, kind: 'bad-input', message: target.problem });
      else targets.set(`${target.name}@${target.digest}`, target);
    }),
  );
  return [...targets.values()];
}

async function toTarget(image: string, live: LiveServices): Promise<Target | { problem: string }> {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return { problem: parsed.problem };
  const ref = parsed.image;
  if (ref.digest) return { image, name: ref.writtenName, digest: ref.digest, notes: [] };
  if (!live.resolveTag) return { problem: `${image} has no digest and tags are not resolved (--no-resolve-tags): attest IMAGE@sha256:...` };
  const tag = ref.tag ?? 'latest';
  const resolved = await live.resolveTag({ registry: ref.registry, repository: ref.repository, tag });
  if (!resolved.ok) return { problem: `tag ${tag} could not be resolved: ${resolved.problem}` };
  return { image, name: ref.writtenName, digest: resolved.digest, notes: [`tag ${tag} resolved to ${resolved.digest}; the attestation binds that digest, not the tag`] };
}

async function imagesFromManifests(settings: AttestSettings, live: LiveServices, report: Mutable<AttestReport>): Promise<{ image: string; reason: null }[]> {
  const from = settings.fromManifests as NonNullable<AttestSettings['fromManifests']>;
  const manifests = readManifests(from.paths, settings.maxFileBytes);
  for (const error of manifests.errors) report.failures.push({ image: null, kind: 'bad-input', message: `${error.file ?? ''}${error.line ? `:${error.line}` : ''} ${error.message}` });
  const loaded = await loadPolicy(from.policy, settings.maxFileBytes, live);
  if (!loaded.ok) {
    for (const error of loaded.errors) report.failures.push({ image: null, kind: 'bad-input', message: error.message });
    return [];
  }
  const rule = loaded.policy.defaultRule;
  const wanted: { image: string; reason: null }[] = [];
  for (const workload of manifests.workloads) {
    for (const container of workload.containers) {
      if (container.image === null) continue;
      const parsed = parseImageReference(container.image);
      if (!parsed.ok) continue;
      const skip = skipReason(parsed.image, loaded.policy.allowlist, rule, settings.attestor, workload.enforcement.mode);
      if (skip) report.skipped.push({ image: container.image, reason: skip });
      else wanted.push({ image: container.image, reason: null });
    }
  }
  return wanted;
}

function skipReason(
  image: ImageReference,
  allowlist: Parameters<typeof exemptionOf>[0],
  rule: { readonly evaluationMode: string; readonly requireAttestationsBy?: readonly string[] },
  attestor: string,
  mode: string,
): string | null {
  if (mode === 'named-policy') return 'the workload names a Cloud Run platform policy, which binauthz-gate cannot read';
  const exemption = exemptionOf(allowlist, image);
  if (exemption.state === 'exempt') return `exempt by admissionWhitelistPatterns \`${exemption.pattern}\`: no attestation needed`;
  if (rule.evaluationMode !== 'REQUIRE_ATTESTATION') return `the default rule is ${rule.evaluationMode}: no attestation needed`;
  if (!rule.requireAttestationsBy?.includes(attestor)) return `the policy does not require ${attestor}`;
  return null;
}

async function attestOne(target: Target, attestor: Attestor, signer: Signer, apis: GoogleApis, project: string): Promise<AttestationRecord> {
  const image = { names: [target.name], digest: target.digest };
  const base = { image: target.image, digest: target.digest, attestor: attestor.name };
  const existing = await verifyAttestor(attestor, readOccurrences(await apis.listAttestationOccurrences(attestor.noteReference, target.digest)), image);
  if (existing.outcome === 'verified') return { ...base, occurrence: existing.occurrence, created: false, notes: [...target.notes, 'already attested: nothing created'] };
  const payload = createSignaturePayload(target.name, target.digest);
  const signature = await signer.sign(payload);
  const check = await verifySignature(signer.key, payload, signature);
  if (check.result !== 'valid') {
    throw new Error(`the new signature does not verify with ${signer.keyId} as ${attestor.name} declares it (${check.reason}): nothing was created`);
  }
  const created = await apis.createOccurrence(project, {
    attestation: { serializedPayload: padded(payload.toString('base64url')), signatures: [{ publicKeyId: signer.keyId, signature: padded(signature.toString('base64url')) }] },
    kind: 'ATTESTATION',
    noteName: attestor.noteReference,
    resourceUri: `${target.name}@${target.digest}`,
  });
  const confirmed = await verifyAttestor(attestor, readOccurrences([created]), image);
  if (confirmed.outcome !== 'verified') throw new Error(`the created occurrence does not verify: ${confirmed.detail}`);
  return { ...base, occurrence: confirmed.occurrence, created: true, notes: target.notes };
}

function readOccurrences(json: unknown[]) {
  return parseOccurrences(json).occurrences;
}

function projectOf(note: string): string {
  return note.split('/')[1] ?? note;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
