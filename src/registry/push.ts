/**
 * `kubox push`: an OCI layout (directory or archive) to one or more tags.
 * Blobs first (skipped when present, mounted when another repository of the
 * same registry has them), then manifests children before the index, and
 * only then the tags: a tag never points at an incomplete image.
 */
import { KuboxError } from '../errors.js';
import { pool } from '../pool.js';
import { layoutImage } from '../image/layout-dir.js';
import type { ImageNode } from '../image/model.js';
import { layoutPath } from '../image/name.js';
import { openLayoutPath } from '../image/open.js';
import { blobsOf, bottomUp } from '../image/source.js';
import type { Layout } from '../oci/layout.js';
import { parseReference, type ImageReference } from '../oci/reference.js';
import { RegistryClient, type ClientOptions } from './client.js';

export interface PushOptions extends ClientOptions {
  /** Upload in PATCH chunks of this many bytes (default: one monolithic PUT per blob). */
  chunkSize?: number;
  concurrency?: number;
  /** Repositories (same registry) to try mounting blobs from. */
  mountFrom?: string[];
}

export interface PushResult {
  digest: string;
  refs: string[];
  blobs: { uploaded: number; mounted: number; skipped: number; bytesUploaded: number };
}

function parseTargets(refs: readonly string[]): ImageReference[] {
  if (refs.length === 0)
    throw new KuboxError('usage', 'push needs at least one target reference', {
      hint: 'kubox push oci:out/img.tar registry.example.com/team/img:1.0',
    });
  return refs.map((r) => {
    try {
      const ref = parseReference(r);
      if (!ref.tag && !ref.digest) return { ...ref, tag: 'latest' };
      return ref;
    } catch (e) {
      throw new KuboxError(
        'usage',
        `"${r}" is not a valid image reference: ${(e as Error).message}`,
      );
    }
  });
}

/** Pushes an image, from wherever it was opened, to every ref. */
export async function pushImage(
  root: ImageNode,
  refs: readonly string[],
  opts: PushOptions = {},
): Promise<PushResult> {
  const targets = parseTargets(refs);
  const log = opts.log ?? (() => {});
  const nodes = await bottomUp(root);
  const stats = { uploaded: 0, mounted: 0, skipped: 0, bytesUploaded: 0 };
  const clients = new Map<string, RegistryClient>();
  const client = async (registry: string) => {
    let c = clients.get(registry);
    if (!c) clients.set(registry, (c = await RegistryClient.connect(registry, opts)));
    return c;
  };

  const bases = baseRepositories(nodes);
  // Each distinct repository gets the whole image by digest first.
  const repos = [...new Map(targets.map((t) => [`${t.registry}/${t.repository}`, t])).values()];
  const done: ImageReference[] = [];
  for (const repo of repos) {
    const c = await client(repo.registry);
    const mountFrom = [
      ...done.filter((d) => d.registry === repo.registry).map((d) => d.repository),
      ...(opts.mountFrom ?? []),
      // The base image's layers are usually already in its repository.
      ...bases.filter((b) => b.registry === repo.registry).map((b) => b.repository),
    ].filter((r, i, all) => r !== repo.repository && all.indexOf(r) === i);
    await pushNodes(c, repo.repository, nodes, { ...opts, mountFrom }, stats, log);
    done.push(repo);
  }
  // Then the tags, all blobs and children being in place.
  for (const t of targets) {
    const c = await client(t.registry);
    if (t.tag) {
      await c.putManifest(t.repository, t.tag, root.bytes, root.descriptor.mediaType);
      log(`tagged ${t.registry}/${t.repository}:${t.tag}`);
    } else if (t.digest !== root.descriptor.digest) {
      throw new KuboxError(
        'usage',
        `target ${t.registry}/${t.repository}@${t.digest} does not match the image's digest ${root.descriptor.digest}`,
      );
    }
  }
  return { digest: root.descriptor.digest, refs: [...refs], blobs: stats };
}

/** Repositories named by the images' `org.opencontainers.image.base.name` labels. */
function baseRepositories(nodes: readonly ImageNode[]): ImageReference[] {
  const out: ImageReference[] = [];
  for (const n of nodes) {
    const base =
      n.kind === 'image'
        ? n.config.config?.Labels?.['org.opencontainers.image.base.name']
        : undefined;
    try {
      if (base) out.push(parseReference(base));
    } catch {
      // a label that is not a reference names no repository to mount from
    }
  }
  return out;
}

async function pushNodes(
  c: RegistryClient,
  repo: string,
  nodes: readonly ImageNode[],
  opts: PushOptions,
  stats: PushResult['blobs'],
  log: (m: string) => void,
): Promise<void> {
  await pool(blobsOf(nodes), opts.concurrency ?? 4, async (b) => {
    if (await c.blobExists(repo, b.digest)) {
      stats.skipped++;
      return;
    }
    // Mount only from a repository that has the blob: each refused mount would open an upload session.
    let location: string | undefined;
    for (const from of opts.mountFrom ?? []) {
      if (!(await c.blobExists(from, b.digest).catch(() => false))) continue;
      const mounted = await c.mountBlob(repo, b.digest, from);
      if (mounted === true) {
        stats.mounted++;
        log(`mounted ${b.digest.slice(7, 19)} from ${from}`);
        return;
      }
      location = mounted;
      break;
    }
    await c.uploadBlob(repo, b, (start, end) => b.open(start, end), {
      ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
      ...(location ? { location } : {}),
    });
    stats.uploaded++;
    stats.bytesUploaded += b.size;
    log(`pushed ${b.digest.slice(7, 19)} (${b.size} bytes)`);
  });
  for (const n of nodes)
    await c.putManifest(repo, n.descriptor.digest, n.bytes, n.descriptor.mediaType);
}

/** Pushes an opened layout (the library's entry point). */
export async function pushLayout(
  layout: Layout,
  refs: readonly string[],
  opts: PushOptions = {},
): Promise<PushResult> {
  return pushImage(await layoutImage(layout.dir, layout.index), refs, opts);
}

/** Pushes the layout directory or archive at `oci:PATH` (or a bare path). */
export async function push(
  source: string,
  refs: readonly string[],
  opts: PushOptions = {},
): Promise<PushResult> {
  return pushImage(await openLayoutPath(layoutPath(source) ?? source), refs, opts);
}
