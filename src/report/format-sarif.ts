// The report as SARIF 2.1.0, for GitHub code scanning: one result per thing to fix, at the
// manifest line that needs the fix. Passing containers produce nothing. The output is
// deterministic (report order, fixed rule list, content-based fingerprints), so uploading the
// same findings again updates the same alerts instead of opening new ones.
import { createHash } from 'node:crypto';
import type { ContainerResult } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import { clean } from './format-text.ts';
import type { Report, ReportError } from './report.ts';
import { repositoryPath } from './format-gitlab.ts';
import { containerSeverity, RUN_ERROR_SEVERITY, settingSeverity, type Severity } from './severity.ts';

export interface SarifTool {
  readonly name: string;
  readonly version: string;
  /** The project's README; each rule's helpUri points to a section of it. */
  readonly informationUri: string;
}

/** SARIF's levels are the shared severities, word for word (`note` is never emitted: passing produces nothing). */
type Level = Severity;

interface RuleSpec {
  readonly id: string;
  readonly short: string;
  readonly full: string;
  /** README section, as GitHub names its anchor. */
  readonly section: string;
  readonly level: Level;
}

const CHECK = 'what-it-evaluates-and-how';

/** Every rule, always, in this order: a stable driver, and `ruleIndex` stays valid across runs. */
const RULES: readonly RuleSpec[] = [
  {
    id: 'binauthz/always-deny',
    short: 'The default rule denies this image',
    full: 'The policy default rule is ALWAYS_DENY and no admissionWhitelistPatterns entry exempts the image, so Cloud Run rejects the deploy (or, in dry run, logs the denial).',
    section: CHECK,
    level: 'error',
  },
  {
    id: 'binauthz/missing-attestation',
    short: 'A required attestor has not attested this image digest',
    full: 'Under REQUIRE_ATTESTATION every listed attestor must have a valid attestation for the image digest; at least one does not, so Cloud Run rejects the deploy (or, in dry run, logs the denial).',
    section: 'the-attest-step',
    level: 'error',
  },
  {
    id: 'binauthz/unresolved-tag',
    short: 'The verdict depends on the digest of a tag that is not known',
    full: 'Attestations and digest patterns bind digests; the image is referenced by tag and its digest could not be determined. Pin the digest, or run live so the tag is resolved.',
    section: 'live-mode',
    level: 'error',
  },
  {
    id: 'binauthz/invalid-image',
    short: 'The container image reference is missing or invalid',
    full: 'The container has no image, or its image is not a valid reference, so there is nothing Binary Authorization could evaluate.',
    section: 'manifests-it-reads',
    level: 'error',
  },
  {
    id: 'binauthz/ambiguous-name',
    short: 'The verdict depends on how Cloud Run spells a Docker Hub name',
    full: 'An allowlist pattern exempts this Docker Hub image under one spelling only, and how Cloud Run spells Docker Hub short names is not documented. Write the image and the pattern fully qualified.',
    section: CHECK,
    level: 'error',
  },
  {
    id: 'binauthz/named-policy',
    short: 'The workload names a Cloud Run platform policy that cannot be evaluated',
    full: 'Named Cloud Run platform policies have no published schema, so the verdict cannot be decided; the gate fails closed. Use "default" to apply the project policy.',
    section: CHECK,
    level: 'error',
  },
  {
    id: 'binauthz/attestation-unavailable',
    short: 'The attestations for this image could not be read',
    full: 'Whether the required attestors attested this digest could not be determined (an API or evidence file failed); the gate fails closed.',
    section: 'live-mode',
    level: 'error',
  },
  {
    id: 'binauthz/not-enforced',
    short: 'The workload does not ask Cloud Run to enforce Binary Authorization',
    full: 'Without run.googleapis.com/binary-authorization on the Service or Job metadata (v2: binaryAuthorization.useDefault), Cloud Run checks none of its images.',
    section: CHECK,
    level: 'error',
  },
  {
    id: 'binauthz/breakglass',
    short: 'A breakglass annotation deploys an image the policy denies',
    full: 'Breakglass bypasses Binary Authorization (audit-logged). Kept in YAML, it is sent again by every replace: remove it once the incident is over.',
    section: CHECK,
    level: 'warning',
  },
  {
    id: 'binauthz/invalid-input',
    short: 'A manifest or the policy could not be read or decided',
    full: 'A file is malformed, too large, or describes a workload that cannot be decided; the gate fails closed until it is fixed.',
    section: 'manifests-it-reads',
    level: 'error',
  },
];

type RuleId = (typeof RULES)[number]['id'];

interface Finding {
  readonly ruleId: string;
  readonly level: Level;
  readonly message: string;
  readonly file: string;
  readonly line: number | null;
  /** A deployed workload's resource name: it is not a file, so the result gets a logical location and no artifact. */
  readonly deployed?: string;
  /** What the finding is about, independent of its line, so an alert survives edits above it. */
  readonly identity: string;
}

export interface SarifOptions {
  /** The repository root (the CLI passes its working folder): absolute paths inside it are made relative to it. */
  readonly root: string | null;
}

export function formatSarif(report: Report, tool: SarifTool, options: SarifOptions = { root: null }): object {
  const findings = [...report.workloads.flatMap(workloadFindings), ...report.errors.flatMap(errorFindings)];
  const unlocated = report.errors.filter((e) => e.file === null);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            informationUri: tool.informationUri,
            rules: RULES.map((rule) => ruleObject(rule, tool.informationUri)),
          },
        },
        // Errors that name no file (a live API failed) cannot be code-scanning results, which
        // need a location; SARIF keeps them as notifications of the run instead.
        invocations: [
          {
            executionSuccessful: unlocated.length === 0,
            toolExecutionNotifications: unlocated.map((e) => ({ level: 'error', message: { text: clean(e.message) } })),
          },
        ],
        results: findings.map((finding) => resultObject(finding, options.root)),
      },
    ],
  };
}

function ruleObject(rule: RuleSpec, informationUri: string): object {
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: rule.short },
    fullDescription: { text: rule.full },
    helpUri: `${informationUri.replace(/#.*$/, '')}#${rule.section}`,
    help: { text: rule.full },
    defaultConfiguration: { level: rule.level },
  };
}

/** `binauthz/missing-attestation` → `MissingAttestation`: SARIF's name is an identifier, not prose. */
function ruleName(id: string): string {
  return (id.split('/').pop() ?? id).replace(/(^|-)([a-z])/g, (_, __, ch: string) => ch.toUpperCase());
}

function workloadFindings(workload: WorkloadResult): Finding[] {
  const subject = `${workload.kind} ${workload.name}`;
  const findings: Finding[] = [];
  const setting = settingSeverity(workload);
  if (setting !== 'note') {
    findings.push({
      ruleId: workload.enforcement === 'breakglass' ? 'binauthz/breakglass' : 'binauthz/not-enforced',
      level: setting,
      message: `${subject}: ${workload.summary}`,
      file: workload.file,
      line: workload.line,
      ...deployedOf(workload),
      identity: subject,
    });
  }
  for (const container of workload.containers) {
    const finding = containerFinding(workload, container);
    if (finding !== null) findings.push(finding);
  }
  return findings;
}

function containerFinding(workload: WorkloadResult, container: ContainerResult): Finding | null {
  if (container.decision === 'allow') return null;
  const level = containerSeverity(workload, container);
  const subject = `${workload.kind} ${workload.name}, container ${container.name}`;
  const image = container.image === '' ? '' : ` (${container.image})`;
  return {
    ruleId: `binauthz/${container.reason}` satisfies RuleId,
    level,
    message: `${subject}${image}: ${container.decision} (${container.reason}): ${container.detail}`,
    file: workload.file,
    line: container.line,
    ...deployedOf(workload),
    identity: `${subject} ${container.image}`,
  };
}

function deployedOf(workload: WorkloadResult): { deployed?: string } {
  return workload.deployed ? { deployed: workload.deployed.resource } : {};
}

function errorFindings(error: ReportError): Finding[] {
  if (error.file === null) return [];
  return [{ ruleId: 'binauthz/invalid-input', level: RUN_ERROR_SEVERITY, message: error.message, file: error.file, line: error.line, identity: error.message }];
}

function resultObject(finding: Finding, root: string | null): object {
  const rule = RULES.findIndex((r) => r.id === finding.ruleId);
  return {
    ruleId: finding.ruleId,
    ruleIndex: rule,
    level: finding.level,
    message: { text: clean(finding.message) },
    locations: [locationOf(finding, root)],
    partialFingerprints: { 'binauthzGate/v1': fingerprint(finding) },
  };
}

function locationOf(finding: Finding, root: string | null): object {
  if (finding.deployed !== undefined) return { logicalLocations: [{ fullyQualifiedName: clean(finding.deployed), kind: 'resource' }] };
  return {
    physicalLocation: {
      artifactLocation: artifactLocation(finding.file, root),
      // Code scanning needs a line; a file-level problem (unreadable, too large) is shown at the top.
      region: { startLine: finding.line !== null && finding.line >= 1 ? finding.line : 1 },
    },
  };
}

/**
 * Report paths are relative to the checkout, with forward slashes; SARIF wants them as URI
 * references. An absolute path inside `root` is made relative to it (code scanning matches
 * `%SRCROOT%`-relative paths to the repository); one outside stays an absolute file URI.
 */
export function artifactLocation(file: string, root: string | null = null): { readonly uri: string; readonly uriBaseId?: string } {
  const inRoot = root === null ? null : repositoryPath(file, root);
  const path = (inRoot ?? file).replace(/\\/g, '/');
  const encode = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(path)) return { uri: `file:///${path.slice(0, 2)}${encode(path.slice(2))}` };
  if (path.startsWith('/')) return { uri: `file://${encode(path)}` };
  return { uri: encode(path.replace(/^(\.\/)+/, '')), uriBaseId: '%SRCROOT%' };
}

function fingerprint(finding: Finding): string {
  return createHash('sha256').update(`${finding.ruleId}\0${finding.file}\0${finding.identity}`).digest('hex').slice(0, 32);
}
