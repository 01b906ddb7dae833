// The types the tag resolver is built from and answers with. The resolver does no policy of its own
// (retries, deadlines, concurrency, where tokens come from): the caller decides and passes it in here.

export interface RegistrySettings {
  /** host (with port) → base URL to use instead of https://HOST (pull-through mirrors, tests' loopback registry), from --registry-mirror HOST=URL */
  readonly mirrors: ReadonlyMap<string, string>;
  /** returns a Google OAuth access token (for *-docker.pkg.dev, *.pkg.dev, gcr.io, *.gcr.io), or null when none is available; called at most once per run */
  readonly googleToken: () => Promise<string | null>;
  readonly userAgent: string;
  /**
   * wraps every HTTP request: the caller passes its retry/deadline/concurrency policy here. The
   * attempt takes the signal that ends it (time is up): the request and the reading of its body stop.
   */
  readonly send: <T>(label: string, attempt: (signal?: AbortSignal) => Promise<T>) => Promise<T>;
}

/** The parts of a parsed image reference (src/images/reference.ts) that name a tag in a registry. */
export interface TaggedImage {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

export type TagResolution =
  | { readonly ok: true; readonly digest: string; readonly mediaType: string | null }
  | { readonly ok: false; readonly problem: string; readonly status: number | null };

export type TagResolver = (image: TaggedImage) => Promise<TagResolution>;
