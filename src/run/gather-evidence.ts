// The evidence the engine asked for, fetched once for every policy of the run: each tag resolved
// once (concurrently, bounded by the live services), each attestation question answered once,
// from files or live. A run gathers batch by batch; what an earlier batch fetched is not fetched again.
import type { Workload } from '../manifests/workload.ts';
import { evidenceNeeds } from '../policy/decide.ts';
import type { Evidence, TagLookup } from '../policy/decision.ts';
import { tagKey, type TagRequest } from '../policy/evidence-requests.ts';
import type { Policy } from '../policy/policy.ts';
import type { ReportError } from '../report/report.ts';
import { attestationFiles, noAttestations } from './evidence/attestation-files.ts';
import { liveAttestations } from './evidence/live-attestations.ts';
import type { AttestationAnswers } from './evidence/lookup.ts';
import { askOnce } from './evidence/ask-once.ts';
import type { AttestationSource, LiveServices, NamedFileReading } from './settings.ts';

export interface GatheredEvidence {
  readonly evidence: Evidence;
  readonly errors: readonly ReportError[];
}

export interface EvidenceGatherer {
  /** The evidence `workloads` need under every policy of the run. */
  gather(workloads: readonly Workload[]): Promise<Evidence>;
  /** What kept evidence from being read (its files, live mode), once for the run. */
  errors(): Promise<readonly ReportError[]>;
}

const LIVE_UNAVAILABLE: ReportError = { file: null, line: null, message: 'live attestations requested, but live mode is not available' };

export function createEvidenceGatherer(
  policies: readonly Policy[],
  source: AttestationSource,
  reading: NamedFileReading,
  live: LiveServices | null,
): EvidenceGatherer {
  const tags = createTagResolver(live);
  const files = source.from === 'files' ? attestationFiles({ ...source, ...reading }) : null;
  const attestations: AttestationAnswers | null = files ?? (source.from === 'live' && live ? liveAttestations(live.apis) : null);
  return {
    async gather(workloads) {
      const needs = evidenceNeeds(workloads, policies);
      const resolved = await tags.resolve(needs.tags);
      if (!attestations) return { attestations: noAttestations, tags: resolved };
      return { attestations: await attestations.answer(needs.attestations(resolved)), tags: resolved };
    },
    errors: async () => (files ? files.errors() : source.from === 'live' && !live ? [LIVE_UNAVAILABLE] : []),
  };
}

/** The evidence of one set of workloads, gathered in one go (impact, a single batch). */
export async function gatherEvidence(
  workloads: readonly Workload[],
  policies: readonly Policy[],
  source: AttestationSource,
  reading: NamedFileReading,
  live: LiveServices | null,
): Promise<GatheredEvidence> {
  const gatherer = createEvidenceGatherer(policies, source, reading, live);
  const evidence = await gatherer.gather(workloads);
  return { evidence, errors: await gatherer.errors() };
}

interface TagResolver {
  /** Resolves the tags not resolved before, concurrently (the live services bound the concurrency). */
  resolve(requests: readonly TagRequest[]): Promise<TagLookup>;
}

function createTagResolver(live: LiveServices | null): TagResolver {
  const resolveTag = live?.resolveTag;
  if (!resolveTag) return { resolve: async () => () => null };
  const questions = askOnce(tagKey, resolveTag);
  const lookup: TagLookup = (image) => questions.answered(tagKey(image)) ?? null;
  return {
    async resolve(requests) {
      await questions.ask(requests);
      return lookup;
    },
  };
}

/** Resolves each needed tag once, concurrently (the live services bound the concurrency). */
export function resolveTags(requests: readonly TagRequest[], live: LiveServices | null): Promise<TagLookup> {
  return createTagResolver(live).resolve(requests);
}
