// The registry tests over real HTTP: fake registries closed after each test, and settings that mirror every host to one.
import { afterEach } from 'node:test';
import type { RegistrySettings } from '../../src/registry/index.ts';
import { startFakeRegistry, type FakeRegistry, type FakeRegistryOptions } from './fake-registry.ts';

/** Call at a test file's top level: the returned function starts a fake registry that is closed when the test ends. */
export function fakeRegistriesClosedAfterEach(): (options?: FakeRegistryOptions) => Promise<FakeRegistry> {
  const registries: FakeRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
  });
  return async (options = {}) => {
    const registry = await startFakeRegistry(options);
    registries.push(registry);
    return registry;
  };
}

/** Settings that send every one of `hosts` to `registry`, with no Google token and no retries, then `overrides`. */
export function mirroredSettings(registry: FakeRegistry, hosts: readonly string[], overrides: Partial<RegistrySettings> = {}): RegistrySettings {
  return {
    mirrors: new Map(hosts.map((host) => [host, registry.url])),
    googleToken: async () => null,
    userAgent: 'binauthz-gate-test/1',
    send: (_label, attempt) => attempt(),
    ...overrides,
  };
}
