// Annotations at manifest file and line: at most one per workload that fails, warns or cannot be
// decided, at the workload's own line, naming its containers that did not pass; everything else
// is in the job summary. GitHub shows only ten annotations of each kind per step, so one per
// container (9,000 for 300 workloads of 30 containers) would bury the workloads past the first.
// Text from manifests is stripped of control characters; @actions/core escapes the rest of the
// workflow-command syntax.
import type { ContainerResult } from '../policy/decision.ts';
import type { WorkloadResult } from '../policy/evaluate.ts';
import type { Report } from '../report/report.ts';
import { clean } from '../report/format-text.ts';
import { containerSeverity, RUN_ERROR_SEVERITY, workloadSeverity, type Severity } from '../report/severity.ts';
import type { ActionIO, AnnotationProperties } from './run.ts';

type AnnotationIO = Pick<ActionIO, 'error' | 'warning'>;

/** Containers named in one annotation; the rest are counted. */
const MAX_NAMED_CONTAINERS = 5;
/** Run errors annotated one by one; past this, one more annotation counts the rest. */
export const MAX_ERROR_ANNOTATIONS = 50;
/** An annotation's text stays short whatever the manifests hold. */
const MAX_TEXT = 400;
/** Nor does its title (a workload's name and region come from the manifests and from Cloud Run). */
const MAX_TITLE = 200;

export function annotate(io: AnnotationIO, report: Report): void {
  for (const workload of report.workloads) {
    const severity = workloadSeverity(workload);
    if (severity === 'note') continue;
    // A deployed workload is no file of the branch: no file or line, its region in the title.
    const at = workload.deployed ? {} : { file: workload.file, startLine: workload.line };
    const title = workload.deployed
      ? `${workload.kind} ${clean(workload.name)} (deployed in ${clean(workload.deployed.region)})`
      : `${workload.kind} ${clean(workload.name)}`;
    emit(io, severity, workloadMessage(workload), { ...at, title });
  }
  const errors = report.errors;
  for (const error of errors.slice(0, MAX_ERROR_ANNOTATIONS)) {
    emit(io, RUN_ERROR_SEVERITY, clean(error.message), {
      ...(error.file ? { file: error.file } : {}),
      ...(error.line ? { startLine: error.line } : {}),
      title: 'binauthz-gate',
    });
  }
  if (errors.length > MAX_ERROR_ANNOTATIONS) {
    emit(io, RUN_ERROR_SEVERITY, `${errors.length - MAX_ERROR_ANNOTATIONS} more error(s): see the job summary`, { title: 'binauthz-gate' });
  }
}

function emit(io: AnnotationIO, severity: Exclude<Severity, 'note'>, message: string, properties: AnnotationProperties): void {
  const text = shorten(message, MAX_TEXT);
  const bounded = properties.title === undefined ? properties : { ...properties, title: shorten(properties.title, MAX_TITLE) };
  if (severity === 'error') io.error(text, bounded);
  else io.warning(text, bounded);
}

/** At most `max` characters, the last an ellipsis when cut. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The summary, then the containers that did not pass (name: decision (reason)), then the workload's own problems. */
function workloadMessage(workload: WorkloadResult): string {
  const flagged = workload.containers.filter((c) => containerSeverity(workload, c) !== 'note');
  const named = flagged.slice(0, MAX_NAMED_CONTAINERS).map(containerWords);
  const more = flagged.length > MAX_NAMED_CONTAINERS ? [`${flagged.length - MAX_NAMED_CONTAINERS} more`] : [];
  const containers = named.length === 0 ? '' : `; containers: ${[...named, ...more].join(', ')}`;
  const problems = workload.problems.map((p) => `; ${clean(p)}`).join('');
  return `${clean(workload.summary)}${containers}${problems} (details in the job summary)`;
}

function containerWords(container: ContainerResult): string {
  return `${clean(container.name)} ${container.decision} (${container.reason})`;
}
