// The evidence the engine asked for, fetched once for every policy of the run: each tag resolved
// once (concurrently, bounded by the live services), each attestation question answered once,
// from files or live.
import type { Workload } from '../manifests/workload.ts';
import { evidenceNeeds } from '../policy/decide.ts';
import type { Evidence, TagDigest, TagLookup } from '../policy/decision.ts';
import { tagKey, type TagRequest } from '../policy/evidence-requests.ts';
import type { Policy } from '../policy/policy.ts';
import type { ReportError } from '../report/report.ts';
import { noAttestations, verifyFromFiles } from './evidence/attestation-files.ts';
import { verifyLive } from './evidence/live-attestations.ts';
import type { AttestationSource, LiveServices, NamedFileReading } from './settings.ts';

export interface GatheredEvidence {
  readonly evidence: Evidence;
  readonly errors: readonly ReportError[];
}

export async function gatherEvidence(
  workloads: readonly Workload[],
  policies: readonly Policy[],
  source: AttestationSource,
  reading: NamedFileReading,
  live: LiveServices | null,
): Promise<GatheredEvidence> {
  const needs = evidenceNeeds(workloads, policies);
  const tags = await resolveTags(needs.tags, live);
  if (source.from === 'none') return { evidence: { attestations: noAttestations, tags }, errors: [] };
  const requests = needs.attestations(tags);
  if (source.from === 'files') {
    const files = await verifyFromFiles({ ...source, ...reading }, requests);
    return { evidence: { attestations: files.lookup, tags }, errors: files.errors };
  }
  if (!live) {
    return {
      evidence: { attestations: noAttestations, tags },
      errors: [{ file: null, line: null, message: 'live attestations requested, but live mode is not available' }],
    };
  }
  return { evidence: { attestations: await verifyLive(live.apis, requests), tags }, errors: [] };
}

/** Resolves each needed tag once, concurrently (the live services bound the concurrency). */
export async function resolveTags(requests: readonly TagRequest[], live: LiveServices | null): Promise<TagLookup> {
  const resolve = live?.resolveTag;
  if (!resolve) return () => null;
  const answers = new Map<string, TagDigest>();
  await Promise.all(requests.map(async (request) => answers.set(tagKey(request), await resolve(request))));
  return (image) => answers.get(tagKey(image)) ?? null;
}
