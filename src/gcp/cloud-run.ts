// What is deployed now: the Cloud Run services and jobs of a project, per region, from the
// Cloud Run Admin API v2 (every page), and the project's locations from v1 for `--region all`.
// Each call goes through the run's CallRunner; every answer is checked against the question
// (a service of another project or region is an error, never evaluated), and every list is
// bounded in pages and items.
import { run_v1 } from 'googleapis/build/src/apis/run/v1.js';
import { run_v2 } from 'googleapis/build/src/apis/run/v2.js';
import type { OAuth2Client, GoogleAuth } from 'google-auth-library';
import type { CallRunner } from '../net/call-runner.ts';
import { classifyApiFailure, describeFailure, type CallDescription } from './api-failure.ts';
import { answerObject, answerOptions, createPageGuard, nextPageToken, wrongAnswer, type JsonObject } from './answers.ts';

export interface CloudRunSettings {
  readonly auth: OAuth2Client | GoogleAuth;
  /** Root URL ending in '/', e.g. https://run.googleapis.com/ */
  readonly rootUrl: string;
  readonly userAgent: { readonly product: string; readonly version: string };
  readonly runner: CallRunner;
}

export type DeployedKind = 'services' | 'jobs';

export interface CloudRunApis {
  /** Every service or job of `project` in `region`, as the Admin API v2 returns them. */
  list(kind: DeployedKind, project: string, region: string): Promise<Record<string, unknown>[]>;
  /** The region ids (`us-central1`, …) Cloud Run offers the project. */
  listRegions(project: string): Promise<string[]>;
}

const ROLE = 'roles/run.viewer on the project';
/** The largest page Cloud Run serves is not documented; gcloud asks for 100. */
const PAGE_SIZE = 100;
export const MAX_PAGES = 100;
const MAX_ITEMS = 10_000;

export function createCloudRunApis(settings: CloudRunSettings): CloudRunApis {
  const common = {
    auth: settings.auth,
    rootUrl: settings.rootUrl,
    userAgentDirectives: [{ product: settings.userAgent.product, version: settings.userAgent.version }],
  };
  const v2 = new run_v2.Run(common);
  const v1 = new run_v1.Run(common);

  const listPage = (kind: DeployedKind, parent: string, pageToken: string | undefined, description: CallDescription) =>
    settings.runner.run(
      `run ${kind} ${parent} ${pageToken ?? ''}`,
      `Cloud Run: ${description.action}`,
      async (timeout, signal) => {
        const params = { parent, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) };
        const options = answerOptions(timeout, signal);
        const answer =
          kind === 'services' ? await v2.projects.locations.services.list(params, options) : await v2.projects.locations.jobs.list(params, options);
        return answer.data as unknown;
      },
      classifyApiFailure,
    );

  return {
    async list(kind, project, region) {
      const parent = `projects/${project}/locations/${region}`;
      const description: CallDescription = { api: 'Cloud Run', action: `list ${kind} in ${parent}`, role: ROLE };
      const items: Record<string, unknown>[] = [];
      try {
        await eachPage(
          description,
          (token) => listPage(kind, parent, token, description),
          (page) => {
            const list = listOf(description, page, kind);
            for (const item of list) items.push(checkedResource(description, kind, project, region, item));
            return list.length;
          },
        );
      } catch (error) {
        throw describeFailure(description, error);
      }
      return items;
    },
    async listRegions(project) {
      const description: CallDescription = { api: 'Cloud Run', action: `list the locations of projects/${project}`, role: ROLE };
      const regions: string[] = [];
      try {
        await eachPage(
          description,
          (token) =>
            settings.runner.run(
              `run locations ${project} ${token ?? ''}`,
              `Cloud Run: ${description.action}`,
              async (timeout, signal) =>
                (await v1.projects.locations.list({ name: `projects/${project}`, ...(token ? { pageToken: token } : {}) }, answerOptions(timeout, signal)))
                  .data as unknown,
              classifyApiFailure,
            ),
          (page) => {
            const list = listOf(description, page, 'locations');
            for (const item of list) regions.push(checkedLocation(description, project, item));
            return list.length;
          },
        );
      } catch (error) {
        throw describeFailure(description, error);
      }
      return [...new Set(regions)].sort();
    },
  };
}

/**
 * Follows `nextPageToken` to the end, through the same page guard as every Google list: a repeated
 * token, too many pages or too many items is an error, never a loop.
 */
async function eachPage(
  description: CallDescription,
  fetchPage: (token: string | undefined) => Promise<unknown>,
  onPage: (page: JsonObject) => number,
): Promise<void> {
  const guard = createPageGuard(description, { pages: MAX_PAGES, items: MAX_ITEMS });
  let token: string | null = null;
  do {
    const page = answerObject(description, 'list response', await fetchPage(token ?? undefined));
    guard.page(onPage(page));
    token = nextPageToken(description, page);
    if (token !== null) guard.next(token);
    // Let timers run between pages, so that --timeout holds however fast a hostile server answers.
    await new Promise((resolve) => setImmediate(resolve));
  } while (token !== null);
}

/** The page's list under `key`: absent is an empty page, anything but a list is an error. */
function listOf(description: CallDescription, page: JsonObject, key: string): readonly unknown[] {
  const list = page[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw wrongAnswer(description, `has a "${key}" that is not a list`);
  return list;
}

const PROJECT_SEGMENT = /^[a-z0-9][a-z0-9.:-]{0,62}$/;
const RESOURCE_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Each item must be a resource of the collection asked about: `projects/P/locations/R/KIND/ID`,
 * where P is the project id asked (or a project number, which Google may answer with) and R the
 * region asked. Anything else is not evaluated: an error naming the API.
 */
function checkedResource(description: CallDescription, kind: DeployedKind, project: string, region: string, item: unknown): Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw wrongAnswer(description, `holds an item of "${kind}" that is not an object`);
  const resource = item as Record<string, unknown>;
  const name = resource['name'];
  const parts = typeof name === 'string' ? name.split('/') : [];
  const [p, projectId, l, location, collection, id] = parts;
  const projectMatches = projectId === project || (projectId !== undefined && /^\d{1,20}$/.test(projectId));
  if (
    parts.length !== 6 ||
    p !== 'projects' ||
    l !== 'locations' ||
    collection !== kind ||
    !projectMatches ||
    location !== region ||
    !RESOURCE_ID.test(id ?? '')
  ) {
    throw wrongAnswer(description, `holds an item that is not one of the ${kind} of projects/${project}/locations/${region}`);
  }
  if (!PROJECT_SEGMENT.test(projectId ?? '')) throw wrongAnswer(description, 'holds an item that names an invalid project');
  return resource;
}

function checkedLocation(description: CallDescription, project: string, item: unknown): string {
  const location = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : null;
  const id = location?.['locationId'];
  if (typeof id !== 'string' || !/^[a-z]+(-[a-z]+)*[0-9]+$/.test(id)) throw wrongAnswer(description, 'holds a location without a valid locationId');
  const name = location?.['name'];
  if (name !== undefined && (typeof name !== 'string' || !name.endsWith(`/locations/${id}`) || !name.startsWith('projects/'))) {
    throw wrongAnswer(description, `holds a location that is not one of projects/${project}`);
  }
  return id;
}
