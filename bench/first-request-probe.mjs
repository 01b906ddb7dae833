// Preloaded into the action (node --import): records the process's CPU time at its first
// outbound request, then lets the request go. Writes {"cpuMs": N} to $FIRST_REQUEST_PROBE_OUT.
import { writeFileSync } from 'node:fs';

const original = globalThis.fetch;
let recorded = false;
globalThis.fetch = (...args) => {
  if (!recorded) {
    recorded = true;
    const { user, system } = process.cpuUsage();
    writeFileSync(process.env.FIRST_REQUEST_PROBE_OUT, JSON.stringify({ cpuMs: (user + system) / 1000 }));
  }
  return original(...args);
};
