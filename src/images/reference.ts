/**
 * Container image references, parsed by the grammar of distribution/reference (docker's reference.go):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ host [ ":" port ] "/" ] path-component [ "/" path-component ]*
 *
 * The parser never throws: a bad reference becomes `{ ok: false, problem }` with one sentence a user can act on,
 * because manifests often hold unrendered templates and placeholders rather than images.
 */

export type Digest = string; // 'sha256:<hex>'

export interface ImageReference {
  readonly written: string;
  readonly writtenName: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string | null;
  readonly digest: Digest | null;
  readonly implicitRegistry: boolean;
}

export type ParsedImage = { readonly ok: true; readonly image: ImageReference } | { readonly ok: false; readonly problem: string };

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const NAME_MAX_LENGTH = 255;

// Host names may carry upper case (DNS is case-insensitive); IPv4 addresses fit the domain-name rule.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const REGISTRY_RE = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:.+$/;
// The algorithms go-digest knows, with the length of their hex encoding.
const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);
const IMAGE_ID_RE = /^[a-f0-9]{64}$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// `${VAR}`, `$VAR`, `{{ .Values.image }}` (and `<image>` from docs) all mean the manifest was not rendered.
const PLACEHOLDER_RE = /[${}<>]/;
const SHOUTING_RE = /^[A-Z][A-Z0-9_]+$/; // PROJECT_ID, REGION, IMAGE

/** An image field as written is the branch's text: quoted (escaped) and cut, since every report repeats it. */
const MAX_QUOTED = 300;
const quote = (text: string): string => JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
const fail = (problem: string): ParsedImage => ({ ok: false, problem });

export function parseImageReference(text: string): ParsedImage {
  const surface = surfaceProblem(text);
  if (surface !== null) return fail(surface);
  const at = text.indexOf('@');
  const beforeDigest = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? null : text.slice(at + 1);
  if (digest !== null) {
    const problem = digestProblem(text, digest);
    if (problem !== null) return fail(problem);
  }
  // A tag is a ':' after the last '/', so a registry port ('localhost:5000/x') is never taken for one.
  const colon = beforeDigest.indexOf(':', beforeDigest.lastIndexOf('/') + 1);
  const writtenName = colon === -1 ? beforeDigest : beforeDigest.slice(0, colon);
  const tag = colon === -1 ? null : beforeDigest.slice(colon + 1);
  if (tag !== null && !TAG_RE.test(tag)) {
    return fail(`invalid tag ${quote(tag)} in ${quote(text)}: a tag is 1 to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'`);
  }
  return parseName(text, writtenName, tag, digest);
}

/** Problems visible before any splitting: emptiness, whitespace, templates, URLs, bare image IDs. */
function surfaceProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'image reference must be a string';
  if (text.trim() === '') return 'image reference is empty';
  if (text !== text.trim()) return `image reference ${quote(text)} has leading or trailing whitespace`;
  if (PLACEHOLDER_RE.test(text)) return `${quote(text)} is a template placeholder, not an image: render the manifest first`;
  if (SCHEME_RE.test(text)) {
    return `image reference ${quote(text)} must not start with a URL scheme: write ${quote(text.replace(SCHEME_RE, ''))}`;
  }
  if (/\s/.test(text)) return `image reference ${quote(text)} contains whitespace`;
  // docker refuses a bare 64-hex string because it cannot tell an image ID from a repository name.
  if (IMAGE_ID_RE.test(text)) return `${quote(text)} is an image ID, not a reference: write REPOSITORY@sha256:${text}`;
  return null;
}

function digestProblem(text: string, digest: string): string | null {
  if (digest.includes('@')) return `image reference ${quote(text)} has more than one '@'`;
  if (!DIGEST_RE.test(digest)) {
    return `invalid digest ${quote(digest)} in ${quote(text)}: expected sha256: followed by 64 lower-case hex characters`;
  }
  const separator = digest.indexOf(':');
  const algorithm = digest.slice(0, separator);
  const hex = digest.slice(separator + 1);
  const length = DIGEST_HEX_LENGTH.get(algorithm);
  if (length === undefined) return `unsupported digest algorithm ${quote(algorithm)} in ${quote(text)}: use sha256`;
  if (!/^[0-9a-f]*$/.test(hex)) {
    return `invalid digest ${quote(digest)} in ${quote(text)}: the value after '${algorithm}:' must be lower-case hex`;
  }
  if (hex.length !== length) {
    return `invalid digest ${quote(digest)} in ${quote(text)}: a ${algorithm} digest has ${length} hex characters, not ${hex.length}`;
  }
  return null;
}

function parseName(text: string, writtenName: string, tag: string | null, digest: Digest | null): ParsedImage {
  if (writtenName === '') return fail(`image reference ${quote(text)} names no repository before its tag or digest`);
  const { host, path } = splitHost(writtenName);
  if (host !== null && !REGISTRY_RE.test(host)) {
    return fail(`invalid registry host ${quote(host)} in ${quote(text)}: expected a host name, IPv4 or [IPv6] address, optionally with :port`);
  }
  const problem = pathProblem(text, path);
  if (problem !== null) return fail(problem);
  if (writtenName.length > NAME_MAX_LENGTH) {
    return fail(`image name in ${quote(text)} is ${writtenName.length} characters long; the limit is ${NAME_MAX_LENGTH}`);
  }
  const registry = host ?? DOCKER_HUB;
  const hub = isDockerHubHost(registry);
  // Docker Hub keeps official images under library/, so 'nginx' is the repository 'library/nginx'.
  const repository = hub && !path.includes('/') ? `library/${path}` : path;
  return { ok: true, image: { written: text, writtenName, registry, repository, tag, digest, implicitRegistry: host === null } };
}

/** docker's rule: the first component is a registry host only if it has '.' or ':' or is 'localhost'. */
function splitHost(name: string): { host: string | null; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { host: null, path: name };
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return { host: first, path: name.slice(slash + 1) };
  return { host: null, path: name };
}

function pathProblem(text: string, path: string): string | null {
  const components = path.split('/');
  if (components.includes('')) {
    return `image reference ${quote(text)} has an empty path component: look for a leading, doubled or trailing '/'`;
  }
  if (path !== path.toLowerCase()) return uppercaseProblem(path, components);
  const bad = components.find((component) => !PATH_COMPONENT_RE.test(component));
  if (bad !== undefined) {
    return `invalid path component ${quote(bad)} in ${quote(text)}: use lower-case letters and digits joined by single '.', '_', '__' or dashes`;
  }
  return null;
}

function uppercaseProblem(path: string, components: readonly string[]): string {
  const placeholders = components.filter((component) => SHOUTING_RE.test(component));
  const hint = placeholders.length === 0 ? '' : `; ${placeholders.join(', ')} look${placeholders.length === 1 ? 's' : ''} like a placeholder to fill in`;
  return `repository name must be lowercase: ${quote(path)}${hint}`;
}

function isDockerHubHost(registry: string): boolean {
  return DOCKER_HUB_HOSTS.has(registry.toLowerCase());
}

export function isDockerHub(image: ImageReference): boolean {
  return image.implicitRegistry || isDockerHubHost(image.registry);
}

/** The spellings under which Binary Authorization might match this image's name: just [writtenName] for registries other than Docker Hub; for Docker Hub the distinct set of writtenName, `docker.io/<repository>`, `index.docker.io/<repository>` (the enforcer's spelling is not documented, see Q1). */
export function candidateNames(image: ImageReference): string[] {
  if (!isDockerHub(image)) return [image.writtenName];
  return [...new Set([image.writtenName, `docker.io/${image.repository}`, `index.docker.io/${image.repository}`])];
}

/** Canonical `registry/repository[:tag][@digest]`; the registry keeps its written spelling. */
export function formatImage(image: ImageReference): string {
  const tag = image.tag === null ? '' : `:${image.tag}`;
  const digest = image.digest === null ? '' : `@${image.digest}`;
  return `${image.registry}/${image.repository}${tag}${digest}`;
}
