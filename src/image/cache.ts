/**
 * kubox's cache as a source in front of another: what the cache holds is
 * read from disk, what it lacks is fetched from `upstream` and stored
 * (digest-checked) first. Manifests and blobs are immutable by digest, so a
 * cached image needs its registry no more.
 */
import { existsSync } from 'node:fs';
import { blobPath, writeBlob } from '../oci/layout.js';
import type { Descriptor } from '../oci/types.js';
import { layoutSource } from './layout-dir.js';
import type { Source } from './source.js';

export interface CachedSource extends Source {
  /** Stores a blob (a layer) the cache lacks; its `layer(d)` then reads from disk. */
  keep(d: Descriptor): Promise<void>;
}

export function cachedSource(root: string, upstream: Source): CachedSource {
  const local = layoutSource(root);
  const missing = (d: Descriptor) => !existsSync(blobPath(root, d.digest));
  return {
    manifest: async (d) => {
      if (missing(d)) await writeBlob(root, d.digest, await upstream.manifest(d));
      return local.manifest(d);
    },
    smallBlob: async (d) => {
      if (missing(d)) await writeBlob(root, d.digest, await upstream.smallBlob(d));
      return local.smallBlob(d);
    },
    layer: (d) => local.layer(d),
    keep: async (d) => {
      if (missing(d)) await writeBlob(root, d.digest, upstream.layer(d).open());
    },
  };
}
