/**
 * An OCI layout directory as a source of images: kubox's own output, a
 * layout another tool wrote, and kubox's cache (a layout with no index.json).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KuboxError } from '../errors.js';
import { blobPath, layoutRoot, parseIndexJson, readBlob } from '../oci/layout.js';
import type { Index } from '../oci/types.js';
import type { ImageNode } from './model.js';
import { storedLayer } from './stored-blob.js';
import { openNode, type Source } from './source.js';

/** The blobs of the layout at `dir`; small blobs are checked against their digest when read. */
export function layoutSource(dir: string): Source {
  const small = (d: { digest: string }) => readBlob({ dir }, d.digest);
  return {
    manifest: small,
    smallBlob: small,
    layer: (d) => {
      const file = blobPath(dir, d.digest);
      return storedLayer(d, () => ({ file, offset: 0, size: statSync(file).size }), file);
    },
  };
}

/** The image a layout directory holds, given its index.json (see layoutRoot). */
export function layoutImage(dir: string, index: Index): Promise<ImageNode> {
  const root = layoutRoot(index);
  return openNode(layoutSource(dir), root.descriptor, root.bytes);
}

export async function openLayoutDir(dir: string): Promise<ImageNode> {
  const indexFile = join(dir, 'index.json');
  if (!existsSync(indexFile))
    throw new KuboxError('io', `${dir} is not an OCI image layout (no index.json)`);
  return layoutImage(dir, parseIndexJson(await readFile(indexFile, 'utf8'), dir));
}
