// A post-build gate checks what will deploy: images built earlier in the job (REPO@sha256:…)
// replace the same repository's image in the manifests before evaluation.
import { parseImageReference, type ImageReference } from '../images/reference.ts';
import type { Workload } from './workload.ts';

export type BuiltImages = { readonly ok: true; readonly images: readonly ImageReference[] } | { readonly ok: false; readonly problem: string };

/** Each built image must name a digest: a tag would check something other than what was built. */
export function parseBuiltImages(texts: readonly string[]): BuiltImages {
  const images: ImageReference[] = [];
  for (const text of texts) {
    const parsed = parseImageReference(text);
    if (!parsed.ok) return { ok: false, problem: `"${text}": ${parsed.problem}` };
    if (parsed.image.digest === null) return { ok: false, problem: `"${text}" has no digest: pass the digest the build produced (REPO@sha256:...)` };
    images.push(parsed.image);
  }
  return { ok: true, images };
}

export function substituteImages(workloads: readonly Workload[], built: readonly ImageReference[]): Workload[] {
  if (built.length === 0) return [...workloads];
  const byRepository = new Map(built.map((image) => [repositoryKey(image), image]));
  return workloads.map((workload) => {
    const notes = [...workload.notes];
    const containers = workload.containers.map((container) => {
      const parsed = container.image === null ? null : parseImageReference(container.image);
      const replacement = parsed?.ok ? byRepository.get(repositoryKey(parsed.image)) : undefined;
      if (!replacement || replacement.written === container.image) return container;
      notes.push(`container ${container.name}: ${container.image} replaced by the built image ${replacement.written}`);
      return { ...container, image: replacement.written };
    });
    return { ...workload, containers, notes };
  });
}

function repositoryKey(image: ImageReference): string {
  return `${image.registry}/${image.repository}`;
}
