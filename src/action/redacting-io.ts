// The action's writers, through the run's redactor: every message, annotation (title included),
// output value, job summary and failure the action writes is redacted before it reaches the
// runner. `::add-mask::` (setSecret) protects the log only; this protects what is posted too.
import type { Redactor } from '../report/redact.ts';
import type { ActionIO, AnnotationProperties } from './run.ts';

export function redactingIO(io: ActionIO, redactor: Redactor): ActionIO {
  const text = (message: string) => redactor.redact(message);
  const properties = (props: AnnotationProperties | undefined): AnnotationProperties | undefined =>
    props === undefined
      ? undefined
      : { ...props, ...(props.title === undefined ? {} : { title: text(props.title) }), ...(props.file === undefined ? {} : { file: text(props.file) }) };
  return {
    getInput: (name) => io.getInput(name),
    setSecret: (secret) => {
      redactor.add(secret);
      io.setSecret(secret);
    },
    setOutput: (name, value) => io.setOutput(name, text(value)),
    info: (message) => io.info(text(message)),
    warning: (message, props) => io.warning(text(message), properties(props)),
    error: (message, props) => io.error(text(message), properties(props)),
    writeSummary: (markdown) => io.writeSummary(text(markdown)),
    setFailed: (message) => io.setFailed(text(message)),
    github: (token, baseUrl) => {
      redactor.add(token);
      return io.github(token, baseUrl);
    },
  };
}
