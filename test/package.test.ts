// The published package, as `npx binauthz-gate` gets it: packed from this checkout, installed
// offline into an empty folder outside the repository, then run. It must hold only what runs,
// have no dependency (every one is bundled into dist/), stay small, and need no network.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const example = (name: string): string => join(root, 'examples', name);

/** The budget for the installed package (2 MiB). */
const MAX_INSTALLED_BYTES = 2 * 1024 * 1024;

let scratch = '';
let tarball = '';
let installDir = '';
let env: NodeJS.ProcessEnv = {};

/**
 * npm's environment: none of the npm_* variables `npm test` exports (they would point this npm at
 * the repository's prefix and the user's cache), a fresh empty cache and config, and a registry
 * on a closed loopback port so that any attempt to reach the network fails at once.
 */
function offlineNpmEnv(dir: string): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name)) clean[name] = value;
  const userconfig = join(dir, 'npmrc');
  const globalconfig = join(dir, 'npmrc-global');
  writeFileSync(userconfig, '');
  writeFileSync(globalconfig, '');
  return {
    ...clean,
    // The bin's `#!/usr/bin/env node` must find the Node running this test (24), not an older one.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    npm_config_registry: 'http://127.0.0.1:9',
    npm_config_cache: join(dir, 'cache'),
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_fetch_retries: '0',
    // npm turns on Node's compile cache, which lives in the temporary folder unless told otherwise.
    NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
    NO_COLOR: '1',
  };
}

/** The npm that runs this test (`npm test` says where it is), else the one on PATH. */
function npm(args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const cli = process.env.npm_execpath;
  const [file, argv] = cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', [...args]];
  return run(file, argv, { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
}

function filesUnder(dir: string): { path: string; bytes: number }[] {
  const found: { path: string; bytes: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.push({ path: relative(dir, path).split('\\').join('/'), bytes: lstatSync(path).size });
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

describe('the npm package', { timeout: 300_000 }, () => {
  let packed: string[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'binauthz-gate-package-'));
    for (const dir of ['pack', 'install', 'cache']) mkdirSync(join(scratch, dir));
    env = offlineNpmEnv(scratch);
    const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', join(scratch, 'pack')], root);
    const [summary] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(summary, 'npm pack describes the tarball');
    packed = summary.files.map((f) => f.path).sort();
    tarball = join(scratch, 'pack', summary.filename);
    installDir = join(scratch, 'install');
    writeFileSync(join(installDir, 'package.json'), '{ "name": "consumer", "private": true }\n');
    await npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], installDir);
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  // The action is used by git ref (its bundle, dist/index.js, and action.yml live in the repository);
  // the npm package is the CLI alone, so `npx binauthz-gate` installs half as much.
  it('holds only what runs: the CLI bundle and its licences, README.md, LICENSE and package.json', () => {
    const dist = readdirSync(join(root, 'dist'))
      .filter((name) => name.startsWith('cli.') || name === 'THIRD-PARTY-LICENSES.txt')
      .map((name) => `dist/${name}`);
    assert.deepEqual(packed, ['LICENSE', 'README.md', ...dist, 'package.json'].sort());
    assert.ok(
      dist.some((f) => f.endsWith('.LEGAL.txt')),
      'the bundled legal comments ship with the bundles',
    );
    assert.ok(dist.includes('dist/THIRD-PARTY-LICENSES.txt'), 'so do the licences of the bundled packages');
    for (const path of packed) assert.doesNotMatch(path, /^(src|test|bench|examples|node_modules)\//, path);
  });

  it('ships the licence of every package it bundles', () => {
    const licences = readFileSync(join(installDir, 'node_modules', 'binauthz-gate', 'dist', 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    // What the code imports directly; build.mjs lists their own dependencies too.
    for (const name of ['@actions/core', '@octokit/core', 'google-auth-library', 'googleapis', 'minimatch', 'openpgp', 'yaml']) {
      const version = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      assert.ok(licences.includes(`\n${name} ${version} (`), `${name} ${version} is listed`);
    }
    assert.match(licences, /GNU LESSER GENERAL PUBLIC LICENSE/, "openpgp's LGPL text");
    assert.match(licences, /Apache License\s+Version 2\.0/, "the Google libraries' Apache-2.0 text");
  });

  it('declares no runtime dependency, and installs nothing beside itself', () => {
    const manifest = JSON.parse(readFileSync(join(installDir, 'node_modules', 'binauthz-gate', 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
      assert.equal(manifest[field], undefined, `package.json has no ${field}`);
    }
    const installed = readdirSync(join(installDir, 'node_modules')).filter((name) => !name.startsWith('.'));
    assert.deepEqual(installed, ['binauthz-gate']);
    assert.deepEqual(readdirSync(join(installDir, 'node_modules', '.bin')), ['binauthz-gate']);
  });

  it(`installs in under ${MAX_INSTALLED_BYTES / 1024 / 1024} MiB`, () => {
    const files = filesUnder(join(installDir, 'node_modules', 'binauthz-gate'));
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    assert.deepEqual(
      files.map((f) => f.path),
      packed,
    );
    assert.ok(bytes < MAX_INSTALLED_BYTES, `installed size ${bytes} bytes`);
    // The figure the README quotes; shown with `--test-reporter=spec`.
    console.log(`# installed: ${files.length} files, ${bytes} bytes`);
  });

  it('runs from the installed bin with no network: --version', async () => {
    const bin = join(installDir, 'node_modules', '.bin', 'binauthz-gate');
    const { stdout } = await run(bin, ['--version'], { cwd: installDir, env, timeout: 30_000 });
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(stdout, `${version}\n`);
  });

  it('runs the bundled example from the installed bin: the same verdicts as from the checkout', async () => {
    const bin = join(installDir, 'node_modules', '.bin', 'binauthz-gate');
    const args = ['check', '--policy-file', example('policy.yaml'), '--attestors', example('attestors.json')];
    args.push('--attestations', example('attestations.json'), '--format', 'json', example('manifests'));
    const failed = await run(bin, args, { cwd: installDir, env, timeout: 60_000 }).then(
      () => assert.fail('the example has a failing Job: exit 1 expected'),
      (error: { code?: number; stdout?: string }) => error,
    );
    assert.equal(failed.code, 1);
    const report = JSON.parse(failed.stdout ?? '') as { verdict: string; workloads: { name: string; verdict: string }[]; errors: unknown[] };
    assert.equal(report.verdict, 'fail');
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.workloads.map((w) => `${w.name} ${w.verdict}`).sort(), ['checkout pass', 'hello pass', 'nightly-export fail', 'search warn']);
  });

  it('runs through npx from the tarball, offline, in an empty folder', async () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const { stdout } = await npm(['exec', '--yes', '--offline', '--package', tarball, '--', 'binauthz-gate', '--version'], empty);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
