// `binauthz-gate impact`: what a policy change does to every workload (files, plans, what is
// deployed), parsed from the command line into ImpactSettings, run, printed. Exit 0 nothing newly
// blocked, 1 a workload newly blocked (or, under --fail-on-weaken, a change that weakens), 2 errors.
import { UserError } from '../errors.ts';
import { defaultProject } from '../gcp/project.ts';
import { formatImpactMarkdown, formatImpactText } from '../report/format-impact.ts';
import { impactExitCode, type ImpactReport } from '../report/impact.ts';
import type { Redactor } from '../report/redact.ts';
import { defaultDeployedLoader, runImpact, type DeployedLoader, type DeployedScope, type ImpactSettings } from '../run/impact.ts';
import { createLiveServices, type LiveSettings } from '../run/live-services.ts';
import { policySourceOf, type PolicySource } from '../run/settings.ts';
import { attestationSource } from './attestation-source.ts';
import { DEFAULTS, IMPACT_FORMATS, oneOf, valueOrThrow } from '../run/validate.ts';

type Env = Readonly<Record<string, string | undefined>>;

type ImpactFormat = (typeof IMPACT_FORMATS)[number];

export interface ImpactCommand {
  readonly kind: 'impact';
  readonly settings: ImpactSettings;
  readonly live: LiveSettings | null;
  readonly format: ImpactFormat;
}

/** The command-line values impact reads (a subset of the shared parseArgs table). */
export interface ImpactValues {
  readonly 'policy-file'?: string | undefined;
  readonly 'base-policy-file'?: string | undefined;
  readonly 'policy-address'?: string | undefined;
  readonly project?: string | undefined;
  readonly deployed?: boolean | undefined;
  readonly region?: string[] | undefined;
  readonly 'fail-on-weaken'?: boolean | undefined;
  readonly attestors?: string | undefined;
  readonly attestations?: string | undefined;
  readonly 'resolve-tags'?: boolean | undefined;
  readonly 'require-enforcement'?: boolean | undefined;
  readonly 'allow-empty'?: boolean | undefined;
  readonly format?: string | undefined;
}

/** What the shared command line already parses: the live settings (on demand) and the file size limit. */
export interface SharedChoices {
  readonly live: () => LiveSettings;
  readonly maxFileBytes: number;
}

export function impactCommand(values: ImpactValues, paths: readonly string[], env: Env, cwd: string, shared: SharedChoices): ImpactCommand {
  const file = values['policy-file'];
  if (!file) throw new UserError('impact needs --policy-file NEW (the proposed policy: a policy file or a Terraform plan JSON)');
  const project = values.project ?? defaultProject(env);
  const policy: PolicySource = { from: 'file', path: file, planAddress: values['policy-address'] ?? null, project };
  const basePolicy = baseSource(values['base-policy-file'], project);
  const deployed = deployedScope(values, project);
  if (paths.length === 0 && !deployed) throw new UserError('impact needs at least one PATH (a manifest file or a folder), or --deployed --region R');
  const attestations = attestationSource(values.attestors, values.attestations, basePolicy);
  const live = basePolicy.from === 'live' || attestations.from === 'live' || deployed !== null || values['resolve-tags'] === true;
  return {
    kind: 'impact',
    format: formatOf(values.format),
    live: live ? shared.live() : null,
    settings: {
      policy,
      basePolicy,
      attestations,
      paths,
      deployed,
      files: { workingFolder: cwd, paths: 'named' },
      allowEmpty: values['allow-empty'] ?? false,
      requireEnforcement: values['require-enforcement'] ?? DEFAULTS.requireEnforcement,
      maxFileBytes: shared.maxFileBytes,
      failOnWeaken: values['fail-on-weaken'] ?? false,
    },
  };
}

/** Flags only impact reads: given to another command they would be ignored, so they are refused. */
function baseSource(file: string | undefined, project: string | null): PolicySource {
  const source = policySourceOf(file, project);
  if (source) return source;
  throw new UserError(
    'impact needs the policy in force: --base-policy-file OLD, or a project whose live policy it is (--project, CLOUDSDK_CORE_PROJECT or GOOGLE_CLOUD_PROJECT)',
  );
}

function deployedScope(values: ImpactValues, project: string | null): DeployedScope | null {
  const regions = values.region ?? [];
  if (!values.deployed) {
    if (regions.length > 0) throw new UserError('--region only counts with --deployed');
    return null;
  }
  if (regions.length === 0) throw new UserError('--deployed needs --region R (repeatable), or --region all');
  if (!project) throw new UserError('--deployed needs the project whose services and jobs to list (--project)');
  for (const region of regions) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(region)) throw new UserError(`--region must be a region such as us-central1, or all, not "${region}"`);
  }
  return { project, regions: regions.includes('all') ? ['all'] : [...new Set(regions)] };
}

function formatOf(format: string | undefined): ImpactFormat {
  return valueOrThrow('--format', oneOf(format, IMPACT_FORMATS, 'text'));
}

/** Runs the impact and prints it through the run's redactor; returns the exit status. */
export async function runImpactCommand(
  command: ImpactCommand,
  redactor: Redactor,
  print: (text: string, code: number) => number,
  loadDeployed: DeployedLoader = defaultDeployedLoader,
): Promise<number> {
  const live = command.live ? createLiveServices(command.live, redactor) : null;
  const report = redactor.redactValue(await runImpact(command.settings, live?.services ?? null, loadDeployed));
  return print(formatImpact(report, command.format), impactExitCode(report));
}

function formatImpact(report: ImpactReport, format: ImpactFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return formatImpactMarkdown(report, null);
    case 'text':
      return formatImpactText(report);
  }
}
