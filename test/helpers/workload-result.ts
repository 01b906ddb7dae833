// A workload's result as the evaluation returns it, with nothing but a verdict: for report and impact tests.
import type { WorkloadVerdict } from '../../src/policy/decision.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';

/** A Service `name` at line 1 of `file`, enforced, with `verdict` and no containers, fixes, notes or problems. */
export function workloadResult(name: string, verdict: WorkloadVerdict, file: string): WorkloadResult {
  return {
    kind: 'Service',
    name,
    file,
    line: 1,
    enforcement: 'enforced',
    verdict,
    summary: `${name} is ${verdict}`,
    containers: [],
    fixes: [],
    notes: [],
    problems: [],
  };
}
