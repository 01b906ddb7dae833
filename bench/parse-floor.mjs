// The parse-only floor: reads every *.yaml, *.yml and *.json file under the folder given and parses
// it with the `yaml` library alone (documents to plain values, with a LineCounter, as the CLI does),
// keeping nothing. Measured like the CLI (bench/cli.bench.ts), so the CLI's figures have a floor
// measured in the same run. Plain JavaScript, so the measured process does not load Node's
// TypeScript stripper. Prints the number of files and documents read.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';

const root = process.argv[2];
if (!root) throw new Error('usage: node bench/parse-floor.mjs FOLDER');

let files = 0;
let documents = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(ya?ml|json)$/.test(entry.name)) continue;
  const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'silent' })) {
    if (doc.contents !== null && doc.toJS({ maxAliasCount: 200 }) !== null) documents++;
  }
  files++;
}
console.log(`${files} files, ${documents} documents`);
