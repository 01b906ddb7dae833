// A second, deliberately simple reader of Cloud Run manifests, written apart from
// src/manifests: the corpus test compares what the CLI reports with what this finds.
import { parseAllDocuments } from 'yaml';

export interface FoundWorkload {
  readonly kind: 'Service' | 'Job';
  readonly name: string;
  readonly images: readonly string[];
}

export type Reading = { readonly readable: true; readonly workloads: readonly FoundWorkload[] } | { readonly readable: false };

export function readIndependently(bytes: Buffer): Reading {
  if (bytes.includes(0)) return { readable: false };
  let values: unknown[];
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const docs = parseAllDocuments(text, { logLevel: 'silent' });
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.some((doc) => doc.errors.length > 0)) return { readable: false };
    values = list.map((doc) => doc.toJS({ maxAliasCount: 50 }));
  } catch {
    return { readable: false };
  }
  const workloads: FoundWorkload[] = [];
  for (const value of values) {
    const doc = value as any;
    const apiVersion = String(doc?.apiVersion ?? '');
    let containers: unknown;
    let kind: 'Service' | 'Job';
    if (apiVersion.startsWith('serving.knative.dev/') && doc?.kind === 'Service') {
      kind = 'Service';
      containers = doc?.spec?.template?.spec?.containers;
    } else if (apiVersion.startsWith('run.googleapis.com/') && doc?.kind === 'Job') {
      kind = 'Job';
      containers = doc?.spec?.template?.spec?.template?.spec?.containers;
    } else {
      continue;
    }
    const images = Array.isArray(containers) ? containers.map((c: any) => (typeof c?.image === 'string' && c.image.trim() !== '' ? c.image : '')) : [];
    workloads.push({ kind, name: String(doc?.metadata?.name ?? ''), images });
  }
  return { readable: true, workloads };
}
