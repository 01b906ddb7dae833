// The GitHub Action's run(): adapts @actions/core and Octokit to ActionIO and
// runs the action. A user's configuration error is one clear line; anything else is a bug,
// reported with its message (and stack in debug logs).
import * as core from '@actions/core';
import { createGitHubClient } from './github-client.ts';
import { runAction, type ActionIO } from './run.ts';
import { errorKind, messageOf } from '../errors.ts';
import { redactorFor } from '../report/redact.ts';

const io: ActionIO = {
  getInput: (name) => core.getInput(name),
  setOutput: (name, value) => core.setOutput(name, value),
  setSecret: (secret) => core.setSecret(secret),
  info: (message) => core.info(message),
  warning: (message, properties) => core.warning(message, properties),
  error: (message, properties) => core.error(message, properties),
  writeSummary: async (markdown) => {
    if (process.env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(markdown, true).write();
  },
  setFailed: (message) => core.setFailed(message),
  github: createGitHubClient,
};

/** The action: one try whose catch fails the step (also what `npm run local-action` calls). */
export async function run(): Promise<void> {
  // One redactor for the run: runAction feeds it and wraps io with it; this catch writes through it too.
  const redactor = redactorFor(process.env);
  try {
    await runAction(io, process.env, process.cwd(), redactor);
  } catch (error) {
    const kind = errorKind(error);
    if (kind === 'user') core.setFailed(redactor.redact(messageOf(error)));
    else if (kind === 'remote') core.setFailed(redactor.redact(`binauthz-gate failed: ${messageOf(error)}`));
    else {
      core.debug(redactor.redact(error instanceof Error ? (error.stack ?? error.message) : String(error)));
      core.setFailed(
        redactor.redact(`binauthz-gate: internal error (please report it at https://github.com/binauthz-gate/binauthz-gate/issues): ${messageOf(error)}`),
      );
    }
  }
}
