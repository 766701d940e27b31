/**
 * Whole images from a registry: their platforms and configs (for inspect
 * and verify), and pulls into an OCI layout archive.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KuboxError } from '../errors.js';
import { openRemote } from '../image/registry.js';
import { summarize, type ImageSummary } from '../image/summary.js';
import { writeLayout } from '../image/write.js';
import { packLayout } from '../oci/layout.js';
import { parseReference, type ImageReference } from '../oci/reference.js';
import type { ClientOptions } from './client.js';

export async function inspectRemote(
  reference: string,
  opts: ClientOptions = {},
): Promise<ImageSummary> {
  return summarize(await openRemote(parseReference(reference), opts));
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
  const root = await openRemote(ref, opts);
  const dir = await mkdtemp(join(tmpdir(), 'kubox-pull-'));
  try {
    const { blobs } = await writeLayout(dir, root, {
      ...(ref.tag ? { annotations: { 'org.opencontainers.image.ref.name': ref.tag } } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    await packLayout(dir, dest);
    return { digest: root.descriptor.digest, path: dest, blobs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
