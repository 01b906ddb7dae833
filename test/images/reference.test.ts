import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { candidateNames, formatImage, isDockerHub, parseImageReference } from '../../src/images/reference.ts';
import type { ImageReference } from '../../src/images/reference.ts';

const HEX64 = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const D = `sha256:${HEX64}`;

function parsed(text: string): ImageReference {
  const result = parseImageReference(text);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(text)} to parse, got: ${result.problem}`);
  return result.image;
}

function problem(text: string): string {
  const result = parseImageReference(text);
  if (result.ok) assert.fail(`expected ${JSON.stringify(text)} to be rejected, got ${formatImage(result.image)}`);
  return result.problem;
}

function parts(image: ImageReference): Omit<ImageReference, 'written'> {
  const { written: _written, ...rest } = image;
  return rest;
}

describe('parseImageReference: registries', () => {
  it('parses an Artifact Registry image with a tag', () => {
    assert.deepEqual(parsed('us-docker.pkg.dev/p/r/web:1.2'), {
      written: 'us-docker.pkg.dev/p/r/web:1.2',
      writtenName: 'us-docker.pkg.dev/p/r/web',
      registry: 'us-docker.pkg.dev',
      repository: 'p/r/web',
      tag: '1.2',
      digest: null,
      implicitRegistry: false,
    });
  });

  it('keeps a registry port apart from the tag', () => {
    assert.deepEqual(parts(parsed('localhost:5000/a/b:1')), {
      writtenName: 'localhost:5000/a/b',
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: '1',
      digest: null,
      implicitRegistry: false,
    });
  });

  it('treats localhost as a registry even without a port', () => {
    const image = parsed('localhost/app');
    assert.equal(image.registry, 'localhost');
    assert.equal(image.repository, 'app');
  });

  it('accepts a bracketed IPv6 registry with a port', () => {
    const image = parsed('[::1]:5000/a');
    assert.equal(image.registry, '[::1]:5000');
    assert.equal(image.repository, 'a');
    assert.equal(image.tag, null);
  });

  it('accepts an IPv4 registry', () => {
    const image = parsed(`10.0.0.1:443/team/app@${D}`);
    assert.equal(image.registry, '10.0.0.1:443');
    assert.equal(image.digest, D);
  });

  it('allows upper case in the registry host and keeps its spelling', () => {
    const image = parsed('Gcr.io/p/a');
    assert.equal(image.registry, 'Gcr.io');
    assert.equal(image.repository, 'p/a');
    assert.equal(formatImage(image), 'Gcr.io/p/a');
  });

  it('rejects malformed registry hosts', () => {
    assert.match(problem('gcr..io/p/a'), /invalid registry host "gcr\.\.io"/);
    assert.match(problem('-gcr.io/p/a'), /invalid registry host/);
    assert.match(problem('gcr.io:port/p/a'), /invalid registry host "gcr\.io:port"/);
    assert.match(problem('[::1/a'), /invalid registry host/);
  });
});

describe('parseImageReference: Docker Hub short names', () => {
  it('puts a one-word name under docker.io/library', () => {
    assert.deepEqual(parts(parsed('nginx')), {
      writtenName: 'nginx',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: null,
      digest: null,
      implicitRegistry: true,
    });
  });

  it('does not add library/ twice', () => {
    const image = parsed('library/nginx');
    assert.equal(image.repository, 'library/nginx');
    assert.equal(image.implicitRegistry, true);
  });

  it('adds library/ to an explicit docker.io single name', () => {
    const image = parsed('docker.io/nginx');
    assert.equal(image.registry, 'docker.io');
    assert.equal(image.repository, 'library/nginx');
    assert.equal(image.implicitRegistry, false);
    assert.equal(image.writtenName, 'docker.io/nginx');
  });

  it('a first component without . or : is a path, not a host', () => {
    const image = parsed(`cloudflare/cloudflared:2026.7.3@${D}`);
    assert.deepEqual(parts(image), {
      writtenName: 'cloudflare/cloudflared',
      registry: 'docker.io',
      repository: 'cloudflare/cloudflared',
      tag: '2026.7.3',
      digest: D,
      implicitRegistry: true,
    });
  });

  it('a bare name:port is a tag on a Docker Hub name, as in docker', () => {
    const image = parsed('localhost:5000');
    assert.equal(image.repository, 'library/localhost');
    assert.equal(image.tag, '5000');
  });
});

describe('parseImageReference: tags and digests', () => {
  it('keeps both tag and digest', () => {
    const image = parsed(`gcr.io/p/app:v1@${D}`);
    assert.equal(image.tag, 'v1');
    assert.equal(image.digest, D);
    assert.equal(image.writtenName, 'gcr.io/p/app');
  });

  it('accepts sha512 with 128 hex characters', () => {
    const digest = `sha512:${HEX64}${HEX64}`;
    assert.equal(parsed(`gcr.io/p/app@${digest}`).digest, digest);
  });

  it('accepts a 128-character tag with upper case and rejects a 129-character one', () => {
    const tag = `V${'x'.repeat(127)}`;
    assert.equal(parsed(`gcr.io/p/app:${tag}`).tag, tag);
    assert.match(problem(`gcr.io/p/app:${tag}x`), /invalid tag/);
  });

  it('rejects bad tags', () => {
    assert.match(problem('gcr.io/p/app:'), /invalid tag ""/);
    assert.match(problem('gcr.io/p/app:.hidden'), /invalid tag "\.hidden"/);
    assert.match(problem('gcr.io/p/app:-x'), /invalid tag/);
    assert.match(problem('gcr.io/p/app:a:b'), /invalid tag "a:b"/);
  });

  it('rejects a short digest', () => {
    assert.match(problem('us-docker.pkg.dev/p/r/web@sha256:abc'), /sha256 digest has 64 hex characters, not 3/);
  });

  it('rejects upper-case or non-hex digests', () => {
    assert.match(problem(`gcr.io/p/app@sha256:${HEX64.toUpperCase()}`), /must be lower-case hex/);
    assert.match(problem(`gcr.io/p/app@sha256:${'g'.repeat(64)}`), /must be lower-case hex/);
  });

  it('rejects digests of unknown form', () => {
    assert.match(problem(`gcr.io/p/app@${HEX64}`), /invalid digest .*expected sha256:/);
    assert.match(problem('gcr.io/p/app@'), /invalid digest ""/);
    assert.match(problem(`gcr.io/p/app@md5:${HEX64}`), /unsupported digest algorithm "md5"/);
    assert.match(problem(`gcr.io/p/app@sha512:${HEX64}`), /sha512 digest has 128 hex characters, not 64/);
    assert.match(problem(`gcr.io/p/app@${D}@${D}`), /more than one '@'/);
  });
});

describe('parseImageReference: problems for users', () => {
  it('rejects empty and blank text', () => {
    assert.equal(problem(''), 'image reference is empty');
    assert.equal(problem('  \t'), 'image reference is empty');
  });

  it('rejects surrounding and inner whitespace', () => {
    assert.match(problem(' nginx'), /leading or trailing whitespace/);
    assert.match(problem('nginx\n'), /leading or trailing whitespace/);
    assert.match(problem('gcr.io/p/a b'), /contains whitespace/);
  });

  it('names template placeholders', () => {
    assert.equal(problem('${IMAGE}'), '"${IMAGE}" is a template placeholder, not an image: render the manifest first');
    assert.match(problem('gcr.io/$PROJECT/app'), /template placeholder/);
    assert.match(problem('{{ .Values.image }}'), /template placeholder/);
    assert.match(problem('gcr.io/p/app:{{tag}}'), /template placeholder/);
  });

  it('rejects upper case in the repository path and points at placeholders', () => {
    const message = problem('REGION-docker.pkg.dev/PROJECT_ID/REPO/x');
    assert.match(message, /^repository name must be lowercase: "PROJECT_ID\/REPO\/x"/);
    assert.match(message, /PROJECT_ID, REPO look like a placeholder/);
    assert.match(problem('IMAGE'), /^repository name must be lowercase: "IMAGE"; IMAGE looks like a placeholder/);
    assert.equal(problem('gcr.io/p/A'), 'repository name must be lowercase: "p/A"');
  });

  it('rejects a URL scheme and shows the reference without it', () => {
    assert.equal(problem('https://gcr.io/p/a'), 'image reference "https://gcr.io/p/a" must not start with a URL scheme: write "gcr.io/p/a"');
    assert.match(problem('docker://nginx'), /URL scheme/);
  });

  it('rejects empty path components', () => {
    assert.match(problem('gcr.io//a'), /empty path component/);
    assert.match(problem('gcr.io/p/'), /empty path component/);
    assert.match(problem('/a'), /empty path component/);
    assert.match(problem('gcr.io/'), /empty path component/);
  });

  it('rejects a missing name', () => {
    assert.match(problem(':latest'), /names no repository/);
    assert.match(problem(`@${D}`), /names no repository/);
  });

  it('rejects bad separators in path components', () => {
    assert.match(problem('gcr.io/p/a..b'), /invalid path component "a\.\.b"/);
    assert.match(problem('gcr.io/p/_a'), /invalid path component "_a"/);
    assert.match(problem('gcr.io/p/a___b'), /invalid path component/);
    assert.match(problem('gcr.io/p/a-'), /invalid path component/);
    assert.deepEqual(parsed('gcr.io/p/a__b.c--d').repository, 'p/a__b.c--d');
  });

  it('limits the name, not the tag, to 255 characters', () => {
    const name = `gcr.io/${'a'.repeat(248)}`;
    assert.equal(name.length, 255);
    assert.equal(parsed(`${name}:${'t'.repeat(100)}`).writtenName, name);
    assert.match(problem(`${name}b`), /256 characters long; the limit is 255/);
  });

  it('refuses a bare image ID', () => {
    assert.match(problem(HEX64), /is an image ID, not a reference/);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[a-zA-Z0-9:@/._\-[\]$]{0,40}$/)), (text) => {
        const result = parseImageReference(text);
        assert.equal(typeof result.ok, 'boolean');
        if (!result.ok) assert.ok(result.problem.length > 0);
      }),
      { numRuns: 2000 },
    );
    assert.equal(parseImageReference(undefined as unknown as string).ok, false);
  });
});

describe('parseImageReference: what a problem quotes', () => {
  it('quotes at most 300 characters of an image field, escaped, however long the branch wrote it', () => {
    for (const written of [
      `\${${'A'.repeat(20_000)}}`,
      `gcr.io/p/app:${'t'.repeat(20_000)}`,
      `https://gcr.io/${'x'.repeat(20_000)}`,
      `bad name\n${'y'.repeat(20_000)}`,
    ]) {
      const parsed = parseImageReference(written);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.ok(parsed.problem.length < 1000, `${parsed.problem.length} characters`);
        assert.doesNotMatch(parsed.problem, /\n/);
      }
    }
  });
});

describe('isDockerHub and candidateNames', () => {
  it('lists the Docker Hub spellings of a short name', () => {
    const image = parsed('nginx:1.27');
    assert.equal(isDockerHub(image), true);
    assert.deepEqual(candidateNames(image), ['nginx', 'docker.io/library/nginx', 'index.docker.io/library/nginx']);
  });

  it('does not repeat a spelling already written', () => {
    assert.deepEqual(candidateNames(parsed('docker.io/library/nginx')), ['docker.io/library/nginx', 'index.docker.io/library/nginx']);
    assert.deepEqual(candidateNames(parsed('docker.io/nginx')), ['docker.io/nginx', 'docker.io/library/nginx', 'index.docker.io/library/nginx']);
  });

  it('recognises the explicit Docker Hub hosts', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.io']) {
      const image = parsed(`${host}/team/app`);
      assert.equal(isDockerHub(image), true, host);
      assert.ok(candidateNames(image).includes('docker.io/team/app'), host);
    }
  });

  it('uses only the written name for other registries', () => {
    const image = parsed(`gcr.io/p/app:1@${D}`);
    assert.equal(isDockerHub(image), false);
    assert.deepEqual(candidateNames(image), ['gcr.io/p/app']);
    assert.equal(isDockerHub(parsed('localhost:5000/a/b')), false);
  });
});

describe('formatImage', () => {
  it('writes the canonical form', () => {
    assert.equal(formatImage(parsed('nginx')), 'docker.io/library/nginx');
    assert.equal(formatImage(parsed(`cloudflare/cloudflared:2026.7.3@${D}`)), `docker.io/cloudflare/cloudflared:2026.7.3@${D}`);
    assert.equal(formatImage(parsed('localhost:5000/a/b:1')), 'localhost:5000/a/b:1');
  });
});

// Generators for valid references, built from the grammar's own pieces.
const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(''));
const domainComponent = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const port = fc.option(fc.integer({ min: 1, max: 65535 }).map(String), { nil: null });
const hostName = fc.oneof(
  fc.array(domainComponent, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.')),
  fc.constant('localhost'),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `10.${a}.${b}.1`),
  // Without a ':' a bracketed first component is no host under docker's rule, so real IPv6 addresses only.
  fc.stringMatching(/^[0-9a-f]{0,4}:[0-9a-f:]{0,10}$/).map((address) => `[${address}]`),
);
const registry = fc
  .tuple(hostName, port)
  .map(([host, p]) => (p === null ? host : `${host}:${p}`))
  .filter((host) => !['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host.toLowerCase()));
const repository = fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const tag = fc.option(fc.stringMatching(/^\w[\w.-]{0,20}$/), { nil: null });
const hexChar = fc.constantFrom(...'0123456789abcdef');
const digest = fc.option(
  fc.string({ unit: hexChar, minLength: 64, maxLength: 64 }).map((hex) => `sha256:${hex}`),
  { nil: null },
);

function write(name: string, t: string | null, d: string | null): string {
  return name + (t === null ? '' : `:${t}`) + (d === null ? '' : `@${d}`);
}

describe('property: valid references round-trip', () => {
  it('keeps registry, repository, tag and digest through parse and format', () => {
    fc.assert(
      fc.property(registry, repository, tag, digest, (reg, repo, t, d) => {
        const text = write(`${reg}/${repo}`, t, d);
        const image = parsed(text);
        assert.deepEqual(parts(image), { writtenName: `${reg}/${repo}`, registry: reg, repository: repo, tag: t, digest: d, implicitRegistry: false });
        assert.equal(formatImage(image), text);
        assert.deepEqual(parsed(formatImage(image)), image);
      }),
      { numRuns: 1000 },
    );
  });

  it('short names land on docker.io and format to a name that parses to the same parts', () => {
    const shortPath = repository.filter((path) => !path.split('/')[0]!.includes('.') && path.split('/')[0] !== 'localhost');
    fc.assert(
      fc.property(shortPath, tag, digest, (path, t, d) => {
        const image = parsed(write(path, t, d));
        assert.equal(image.implicitRegistry, true);
        assert.equal(image.registry, 'docker.io');
        assert.equal(image.repository, path.includes('/') ? path : `library/${path}`);
        const again = parsed(formatImage(image));
        assert.deepEqual([again.registry, again.repository, again.tag, again.digest], [image.registry, image.repository, t, d]);
        assert.ok(candidateNames(image).includes(`docker.io/${image.repository}`));
      }),
      { numRuns: 500 },
    );
  });
});
