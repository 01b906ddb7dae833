// The policy of a run: a file (exported YAML/JSON, Config Connector, a Terraform plan) or the
// live policy of a project. A policy that cannot be used is reported as that, with its errors.
import { displayPath } from '../files/manifest-files.ts';
import { parsePolicyText } from '../policy/parse-policy.ts';
import type { ParsedPolicy, Policy } from '../policy/policy.ts';
import type { PolicySummary, ReportError } from '../report/report.ts';
import { messageOf } from '../errors.ts';
import { readNamedFile } from './named-files.ts';
import type { LiveServices, NamedFileReading, PolicySource } from './settings.ts';

export type LoadedPolicy =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly summary: PolicySummary; readonly errors: ReportError[] };

export async function loadPolicy(source: PolicySource, reading: NamedFileReading, live: LiveServices | null): Promise<LoadedPolicy> {
  if (source.from === 'file') {
    const file = displayPath(source.path, reading.workingFolder);
    const read = await readNamedFile(source.path, reading);
    const plan = { address: source.planAddress ?? null, project: source.project ?? null };
    const parsed: ParsedPolicy = read.ok
      ? parsePolicyText(`file:${file}`, read.text, plan)
      : { ok: false, errors: [{ field: '(file)', line: null, message: read.problem }] };
    return fromParsed(parsed, `file:${file}`, file);
  }
  const name = `projects/${source.project}/policy`;
  if (!live) return policyFailure(name, null, 'live mode is not available in this run');
  try {
    const json = await live.apis.getPolicy(source.project);
    return fromParsed(parsePolicyText(name, `${JSON.stringify(json, null, 2)}\n`), name, null);
  } catch (error) {
    return policyFailure(name, null, messageOf(error));
  }
}

function fromParsed(parsed: ParsedPolicy, source: string, file: string | null): LoadedPolicy {
  if (parsed.ok) return parsed;
  return {
    ok: false,
    summary: { source, etag: null, name: null, defaultRule: null, notes: [] },
    errors: parsed.errors.map((e) => ({ file, line: file === null ? null : e.line, message: `policy: ${e.message}` })),
  };
}

function policyFailure(source: string, file: string | null, message: string): LoadedPolicy {
  return {
    ok: false,
    summary: { source, etag: null, name: null, defaultRule: null, notes: [] },
    errors: [{ file, line: null, message: `policy: ${message}` }],
  };
}
