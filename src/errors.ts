// The two kinds of error a run can end with, as github/codeql-action has them. A user's input or
// configuration error is told as one clear line and the run exits 2; anything else is a bug,
// reported as one with its stack in the debug log. Failures of the world outside (an API, a
// registry, a file) are wrapped with their context where they happen (ApiError,
// RegistryRequestError, RemoteFailure) and end up in the report, not as a crash.

/** Bad input or configuration: a flag, an action input, an environment variable, a file the user named. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** Something the code promised that did not hold: never the user's fault, always reported as a bug. */
export class Bug extends Error {
  override readonly name = 'Bug';
}

/** An answer from outside (GitHub, Google, a registry) that is not the one asked for, with what was asked. */
export class RemoteFailure extends Error {
  override readonly name: string = 'RemoteFailure';
}

/** How the run ends on `error`: a user's error or the world's failure is one line; the rest is a bug. */
export function errorKind(error: unknown): 'user' | 'remote' | 'bug' {
  if (error instanceof UserError) return 'user';
  return error instanceof RemoteFailure ? 'remote' : 'bug';
}

/** The message of anything thrown, for reports and logs. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
