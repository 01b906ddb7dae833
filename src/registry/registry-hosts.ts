// Where a registry host is actually served, and which hosts are Google's.

const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io']);
// docker.io is a name, not a server: the distribution API for Docker Hub lives here.
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export function apiHost(registry: string): string {
  const host = registry.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB_API_HOST : host;
}

/** Artifact Registry (`*-docker.pkg.dev`, `*.pkg.dev`) and Container Registry (`gcr.io`, `*.gcr.io`) accept a Google OAuth token. */
export function isGoogleHost(registry: string): boolean {
  const hostname = withoutPort(registry.toLowerCase());
  return hostname === 'gcr.io' || hostname.endsWith('.gcr.io') || hostname.endsWith('.pkg.dev');
}

function withoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
