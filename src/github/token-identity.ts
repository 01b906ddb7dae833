// Who the token writes comments as, so that the gate edits only its own comment. GitHub gives no
// flag in the token itself, so it is asked:
// - `GET /user` answers for personal access tokens, OAuth and user-to-server tokens: that login.
// - Installation tokens (the default GITHUB_TOKEN, GitHub App tokens) get 403 "Resource not accessible
//   by integration" there; the GraphQL `viewer` answers for them with the app's bot login
//   (`github-actions[bot]` for GITHUB_TOKEN). GraphQL may spell a bot without its `[bot]` suffix, so
//   both spellings count; `[` cannot appear in a user's login, so `NAME[bot]` is always the app NAME.
// - When neither answers, the identity is unknown: the gate then never edits an existing comment
//   (it cannot tell its own from an impostor's) and writes a new one instead.
import { brief, describeFailure, statusOf, wrapFailure, type GitHubClientLike } from './rest.ts';
import { RemoteFailure } from '../errors.ts';

export type TokenIdentity =
  /** `botOnly`: the token is an app's, so only an author of type Bot can be it (a user may share the bare name) */
  | { readonly kind: 'known'; readonly logins: readonly string[]; readonly botOnly: boolean; readonly how: string }
  | { readonly kind: 'unknown'; readonly why: string };

const LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
const VIEWER_QUERY = 'query { viewer { login } }';

/** The GraphQL endpoint next to a REST base URL: `https://api.github.com/graphql`, or `/api/graphql` on GitHub Enterprise Server (`/api/v3`). */
export function graphqlUrl(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base) ? `${base.slice(0, -'/v3'.length)}/graphql` : `${base}/graphql`;
}

export async function resolveTokenIdentity(client: GitHubClientLike, graphql: string): Promise<TokenIdentity> {
  let user: unknown;
  try {
    user = (await client.request('GET /user')).data;
  } catch (error) {
    const status = statusOf(error);
    if (status !== 403 && status !== 404) throw wrapFailure('find who the token is (GET /user)', error);
    return viewerIdentity(client, graphql, `GET /user: ${brief(describeFailure(error))}`);
  }
  const login = (user as { login?: unknown } | null)?.login;
  if (typeof login !== 'string' || !LOGIN_RE.test(login)) throw new RemoteFailure('failed to find who the token is (GET /user): the answer has no valid login');
  return { kind: 'known', logins: [login], botOnly: false, how: 'GET /user' };
}

async function viewerIdentity(client: GitHubClientLike, graphql: string, userFailure: string): Promise<TokenIdentity> {
  let answer: unknown;
  try {
    answer = (await client.request(`POST ${graphql}`, { query: VIEWER_QUERY })).data;
  } catch (error) {
    return { kind: 'unknown', why: `${userFailure}; GraphQL viewer: ${brief(describeFailure(error))}` };
  }
  const login = (answer as { data?: { viewer?: { login?: unknown } | null } | null } | null)?.data?.viewer?.login;
  if (typeof login !== 'string' || !LOGIN_RE.test(login)) return { kind: 'unknown', why: `${userFailure}; GraphQL viewer: the answer has no valid login` };
  const logins = login.endsWith('[bot]') ? [login] : [login, `${login}[bot]`];
  return { kind: 'known', logins, botOnly: true, how: 'GraphQL viewer' };
}

/** Whether `author` is the token's identity (GitHub logins are case-insensitive). */
export function isAuthor(identity: TokenIdentity, author: { readonly login: string; readonly type: string } | null): boolean {
  if (identity.kind === 'unknown' || author === null) return false;
  if (identity.botOnly && author.type !== 'Bot') return false;
  return identity.logins.some((l) => l.toLowerCase() === author.login.toLowerCase());
}
