// Runs the real check in process from inside a folder, so the report's paths are relative to it, as in a checkout.
import { runCheck } from '../../src/run/check.ts';
import type { Report } from '../../src/report/report.ts';

export interface CheckInOptions {
  /** The policy file, relative to the folder. */
  policy?: string;
  allowEmpty?: boolean;
}

/** Checks `paths` inside `dir` against its `policy.yaml` (or `options.policy`), with no attestations. */
export async function checkIn(dir: string, paths: readonly string[], options: CheckInOptions = {}): Promise<Report> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await runCheck(
      {
        policy: { from: 'file', path: options.policy ?? 'policy.yaml' },
        attestations: { from: 'none' },
        paths,
        files: { workingFolder: dir, paths: 'named' },
        allowEmpty: options.allowEmpty ?? true,
        requireEnforcement: true,
        maxFileBytes: 4 << 20,
      },
      null,
    );
  } finally {
    process.chdir(previous);
  }
}
