/**
 * Reading and fetching whole images from a registry: their platforms and
 * configs (for inspect and verify), and pulls into an OCI layout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KuboxError } from '../errors.js';
import { pool } from '../pool.js';
import { resolveImage, type ImageSummary } from '../oci/archive.js';
import { manifestsBottomUp } from '../oci/graph.js';
import { createLayout, packLayout, writeBlob, writeIndex } from '../oci/layout.js';
import { parseReference, type ImageReference } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import { RegistryClient, type ClientOptions } from './client.js';

async function rootOf(
  c: RegistryClient,
  ref: ImageReference,
): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  const m = await c.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  return { descriptor: m.descriptor, bytes: m.bytes };
}

export async function inspectRemote(
  reference: string,
  opts: ClientOptions = {},
): Promise<ImageSummary> {
  const ref = parseReference(reference);
  const c = await RegistryClient.connect(ref.registry, opts);
  const root = await rootOf(c, ref);
  return resolveImage(root.descriptor, async (d) => {
    if (d.digest === root.descriptor.digest) return JSON.parse(root.bytes.toString('utf8'));
    if (/manifest|index/.test(d.mediaType))
      return JSON.parse((await c.getManifest(ref.repository, d.digest)).bytes.toString('utf8'));
    return c.getJson(ref.repository, d.digest);
  });
}

export interface PullResult {
  digest: string;
  path: string;
  blobs: number;
}

/** Pulls every platform of an image into an OCI layout archive at `dest` (written atomically). */
export async function pull(
  reference: string,
  dest: string,
  opts: ClientOptions & { concurrency?: number } = {},
): Promise<PullResult> {
  let ref: ImageReference;
  try {
    ref = parseReference(reference);
  } catch (e) {
    throw new KuboxError(
      'usage',
      `"${reference}" is not a valid image reference: ${(e as Error).message}`,
    );
  }
  const c = await RegistryClient.connect(ref.registry, opts);
  const dir = await mkdtemp(join(tmpdir(), 'kubox-pull-'));
  try {
    await createLayout(dir);
    const root = await rootOf(c, ref);
    const nodes = await manifestsBottomUp(root.descriptor, async (d) =>
      d.digest === root.descriptor.digest
        ? root.bytes
        : (await c.getManifest(ref.repository, d.digest)).bytes,
    );
    const blobs = [...new Map(nodes.flatMap((n) => n.blobs).map((b) => [b.digest, b])).values()];
    await pool(blobs, opts.concurrency ?? 4, async (b) =>
      writeBlob(dir, b.digest, await c.getBlob(ref.repository, b.digest)),
    );
    for (const n of nodes) await writeBlob(dir, n.descriptor.digest, n.bytes);
    const name = ref.tag ? { annotations: { 'org.opencontainers.image.ref.name': ref.tag } } : {};
    await writeIndex(dir, { schemaVersion: 2, manifests: [{ ...root.descriptor, ...name }] });
    await packLayout(dir, dest);
    return { digest: root.descriptor.digest, path: dest, blobs: blobs.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
