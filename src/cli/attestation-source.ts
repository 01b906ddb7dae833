// Where a command's attestations come from, read the same way by check and impact.
import { UserError } from '../errors.ts';
import type { AttestationSource, PolicySource } from '../run/settings.ts';

/** Attestations from files, live, or none: what `--attestors`/`--attestations` say, else what the policy source implies. */
export function attestationSource(attestors: string | undefined, attestations: string | undefined, policy: PolicySource): AttestationSource {
  if (attestations === 'live') {
    if (attestors) throw new UserError('--attestors FILE cannot be combined with --attestations live (live mode fetches the attestors too)');
    return { from: 'live' };
  }
  if (attestors || attestations) return { from: 'files', attestorsFile: attestors ?? null, attestationsFile: attestations ?? null };
  return policy.from === 'live' ? { from: 'live' } : { from: 'none' };
}
