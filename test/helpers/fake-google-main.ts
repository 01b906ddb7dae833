// The fake Google server as a process of its own, for benchmarks that must not share an event loop with it.
//
//   node test/helpers/fake-google-main.ts STATE.json
//
// STATE.json (every field optional):
//   { "options":      { "latencyMs": 20, "pageSize": 100, "requireToken": "…" },
//     "policies":     { "projects/p1": { …Policy… } },
//     "attestors":    { "projects/p1/attestors/a1": { …Attestor… } },
//     "occurrences":  [ { …Occurrence… } ],
//     "kmsKeys":      { "projects/…/cryptoKeyVersions/1": { "privateKeyPem": "-----BEGIN PRIVATE KEY-----…", "algorithm": "EC_SIGN_P256_SHA256" } },
//     "faults":       [ { "api": "containeranalysis", "count": 5, "status": 503 | "hang": true | "reset": true | "dripMs": 100 | "raw": { "body": "…" } } ] }
// A fault's optional "api" limits it to one of the three APIs; the rest are FakeFault's fields.
//
// Prints one line, {"url": "http://127.0.0.1:PORT/", "env": {…}}, once it listens. On SIGTERM or SIGINT it prints
// {"requests": N, "inFlightPeak": M} and exits 0.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startFakeGoogle, type FakeFault, type FakeGoogleOptions, type FakeGoogleState, type RecordedRequest } from './fake-google.ts';

interface StateFile {
  options?: FakeGoogleOptions;
  policies?: Record<string, object>;
  attestors?: Record<string, object>;
  occurrences?: object[];
  kmsKeys?: Record<string, { privateKeyPem: string; algorithm: string }>;
  faults?: (Omit<FakeFault, 'match' | 'rewrite' | 'raw'> & { api?: RecordedRequest['api']; raw?: { status?: number; contentType?: string; body: string } })[];
}

function loadState(file: StateFile, state: FakeGoogleState): void {
  for (const [name, policy] of Object.entries(file.policies ?? {})) state.policies.set(name, policy);
  for (const [name, attestor] of Object.entries(file.attestors ?? {})) state.attestors.set(name, attestor);
  state.occurrences.push(...(file.occurrences ?? []));
  for (const [name, key] of Object.entries(file.kmsKeys ?? {})) {
    state.kmsKeys.set(name, { privateKey: createPrivateKey(key.privateKeyPem), algorithm: key.algorithm });
  }
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: fake-google-main.ts STATE.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  const fake = await startFakeGoogle(file.options ?? {});
  loadState(file, fake.state);
  for (const { api, ...fault } of file.faults ?? []) fake.inject(api === undefined ? fault : { ...fault, match: (request) => request.api === api });
  const stop = (): void => {
    void fake.close().then(() => {
      process.stdout.write(`${JSON.stringify({ requests: fake.requests.length, inFlightPeak: fake.inFlightPeak() })}\n`, () => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: fake.url, env: fake.env() })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-google-main: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
