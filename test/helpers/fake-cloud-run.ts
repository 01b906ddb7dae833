// A loopback stand-in for the Cloud Run Admin API: v2 `projects.locations.services.list` and
// `projects.locations.jobs.list` (paged with nextPageToken), and v1 `projects.locations.list`,
// in the shapes of the googleapis `run` discovery documents. Latency, a required token and
// hostile answers (a looping page token, a service of another project, a garbled body) are
// opt-in. It listens on 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeCloudRunState {
  /** 'projects/p/locations/r' → services (v2 JSON). */
  services: Map<string, object[]>;
  /** 'projects/p/locations/r' → jobs (v2 JSON). */
  jobs: Map<string, object[]>;
  /** 'projects/p' → region ids. */
  regions: Map<string, string[]>;
}

export interface FakeCloudRunOptions {
  /** Delay before every answer. */
  latencyMs?: number;
  /** Items per page (the client asks for 100; the server may serve fewer). */
  pageSize?: number;
  /** Answer 401 unless `Authorization: Bearer <token>`. */
  requireToken?: string;
  /** Hostile answers. */
  hostile?: 'looping-page-token' | 'garbled-body' | 'foreign-service' | 'services-not-a-list';
  /** Parents ('projects/p/locations/r') whose lists answer 403 PERMISSION_DENIED, as without roles/run.viewer. */
  forbidden?: readonly string[];
}

export interface CloudRunRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly at: number;
}

export interface FakeCloudRun {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  readonly state: FakeCloudRunState;
  readonly requests: CloudRunRequest[];
  /** The most requests in flight at once. */
  peakInFlight(): number;
  close(): Promise<void>;
}

type Answer = { status: number; body: string };

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });
const googleError = (code: number, status: string, message: string): Answer => json(code, { error: { code, status, message } });

export async function startFakeCloudRun(options: FakeCloudRunOptions = {}): Promise<FakeCloudRun> {
  const state: FakeCloudRunState = { services: new Map(), jobs: new Map(), regions: new Map() };
  const requests: CloudRunRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = createServer((incoming, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    void handle(incoming, response).finally(() => inFlight--);
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const request: CloudRunRequest = {
      method: incoming.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      at: Date.now(),
    };
    requests.push(request);
    for await (const _ of incoming) {
      // drain the body
    }
    if (options.latencyMs) await sleep(options.latencyMs);
    const answer = authorized(incoming) ?? route(request);
    response.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(answer.body);
  }

  function authorized(incoming: IncomingMessage): Answer | null {
    if (!options.requireToken) return null;
    return incoming.headers.authorization === `Bearer ${options.requireToken}`
      ? null
      : googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
  }

  function route(request: CloudRunRequest): Answer {
    if (request.method !== 'GET') return googleError(405, 'METHOD_NOT_ALLOWED', 'only lists are served');
    const list = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/(services|jobs)$/.exec(request.path);
    if (list) return listPage(list[1] as string, list[2] as 'services' | 'jobs', request);
    const locations = /^\/v1\/(projects\/[^/]+)\/locations$/.exec(request.path);
    if (locations) {
      const parent = locations[1] as string;
      const regions = state.regions.get(parent) ?? [];
      return json(200, { locations: regions.map((id) => ({ name: `${parent}/locations/${id}`, locationId: id, displayName: id })) });
    }
    return googleError(404, 'NOT_FOUND', `no route for ${request.path}`);
  }

  function listPage(parent: string, kind: 'services' | 'jobs', request: CloudRunRequest): Answer {
    if (options.forbidden?.includes(parent))
      return googleError(403, 'PERMISSION_DENIED', `Permission 'run.${kind}.list' denied on resource '${parent}' (or it may not exist).`);
    if (parent.endsWith('/locations/-'))
      return googleError(400, 'INVALID_ARGUMENT', 'Location must be a valid Google Cloud region, and cannot be the "-" wildcard');
    if (options.hostile === 'garbled-body') return { status: 200, body: '<html><body>Service Unavailable' };
    if (options.hostile === 'services-not-a-list') return json(200, { [kind]: 'everything is fine' });
    const all = (kind === 'services' ? state.services : state.jobs).get(parent) ?? [];
    if (options.hostile === 'looping-page-token') return json(200, { [kind]: all.slice(0, 1), nextPageToken: 'again' });
    const size = Math.min(Number(request.query['pageSize'] ?? 100) || 100, options.pageSize ?? 100);
    const offset = request.query['pageToken'] ? Number(Buffer.from(request.query['pageToken'], 'base64url').toString()) : 0;
    const page = all.slice(offset, offset + size);
    const served =
      options.hostile === 'foreign-service'
        ? page.map((item) => ({ ...item, name: String((item as { name: string }).name).replace(/^projects\/[^/]+/, 'projects/evil') }))
        : page;
    const next = offset + size < all.length ? { nextPageToken: Buffer.from(String(offset + size)).toString('base64url') } : {};
    return json(200, { ...(served.length > 0 ? { [kind]: served } : {}), ...next });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    state,
    requests,
    peakInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A v2 Service as `projects.locations.services.list` returns it. */
export function deployedService(project: string, region: string, id: string, images: readonly string[], binaryAuthorization?: object): object {
  const name = `projects/${project}/locations/${region}/services/${id}`;
  const revision = `${name}/revisions/${id}-00007-xyz`;
  return {
    name,
    uid: `uid-${id}`,
    generation: '7',
    createTime: '2026-10-01T10:00:00.000000Z',
    updateTime: '2026-11-20T10:00:00.000000Z',
    creator: 'deployer@example.com',
    ingress: 'INGRESS_TRAFFIC_ALL',
    launchStage: 'GA',
    ...(binaryAuthorization ? { binaryAuthorization } : {}),
    template: {
      containers: images.map((image, index) => ({
        name: index === 0 ? 'app' : `sidecar-${index}`,
        image,
        resources: { limits: { cpu: '1', memory: '512Mi' } },
      })),
      maxInstanceRequestConcurrency: 80,
    },
    traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    observedGeneration: '7',
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: '2026-11-20T10:01:00.000000Z' },
    latestReadyRevision: revision,
    latestCreatedRevision: revision,
    trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100, revision: `${id}-00007-xyz` }],
    uri: `https://${id}-abc123-uc.a.run.app`,
    reconciling: false,
    etag: `"etag-${id}"`,
  };
}

/** A v2 Job as `projects.locations.jobs.list` returns it. */
export function deployedJob(project: string, region: string, id: string, images: readonly string[], binaryAuthorization?: object): object {
  const name = `projects/${project}/locations/${region}/jobs/${id}`;
  return {
    name,
    uid: `uid-${id}`,
    generation: '3',
    createTime: '2026-10-01T10:00:00.000000Z',
    launchStage: 'GA',
    ...(binaryAuthorization ? { binaryAuthorization } : {}),
    template: { taskCount: 1, parallelism: 1, template: { containers: images.map((image) => ({ image })), maxRetries: 3, timeout: '600s' } },
    observedGeneration: '3',
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
    executionCount: 12,
    latestCreatedExecution: {
      name: `${name}/executions/${id}-abcde`,
      createTime: '2026-11-30T02:00:00.000000Z',
      completionTime: '2026-11-30T02:03:00.000000Z',
    },
    reconciling: false,
    etag: `"etag-${id}"`,
  };
}
