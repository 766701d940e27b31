/**
 * Writing an image into a new OCI layout directory: what a pull stores and
 * what a build's archive is packed from. Blobs already on disk (kubox's
 * cache) are hard-linked, or copied across devices; others are streamed in
 * and checked against their digest.
 */
import { copyFile, link } from 'node:fs/promises';
import { blobPath, createLayout, writeBlob, writeIndex } from '../oci/layout.js';
import { pool } from '../pool.js';
import type { ImageNode, Layer } from './model.js';
import { blobsOf, bottomUp } from './source.js';

async function copyBlob(dir: string, b: Layer): Promise<void> {
  if (!b.path) return writeBlob(dir, b.digest, b.open());
  const to = blobPath(dir, b.digest);
  const from = b.path;
  await link(from, to).catch(() => copyFile(from, to));
}

/**
 * Writes `root` with every manifest and blob under it to `dir`, and an
 * index.json whose one entry names it (with `annotations`, e.g. its tag).
 */
export async function writeLayout(
  dir: string,
  root: ImageNode,
  opts: { annotations?: Record<string, string>; concurrency?: number } = {},
): Promise<{ blobs: number }> {
  await createLayout(dir);
  const nodes = await bottomUp(root);
  const blobs = blobsOf(nodes);
  await pool(blobs, opts.concurrency ?? 4, (b) => copyBlob(dir, b));
  for (const n of nodes) await writeBlob(dir, n.descriptor.digest, n.bytes);
  const entry = opts.annotations
    ? { ...root.descriptor, annotations: opts.annotations }
    : root.descriptor;
  await writeIndex(dir, { schemaVersion: 2, manifests: [entry] });
  return { blobs: blobs.length };
}
