/**
 * The base image, pulled by digest into kubox's content-addressed cache, and
 * read without extracting anything: which Debian release it is, what dpkg
 * has installed, its users, its Python. Manifests and blobs are immutable by
 * digest, so a cached base needs no registry at all on the next build.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KuboxError } from '../../errors.js';
import { HttpError } from '../../http/error.js';
import { cachedSource } from '../../image/cache.js';
import type { Image, ImageNode } from '../../image/model.js';
import { lazyClient, registrySource } from '../../image/registry.js';
import { openDigest, type Source } from '../../image/source.js';
import { blobPath } from '../../oci/layout.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseReference } from '../../oci/reference.js';
import type { Descriptor } from '../../oci/types.js';
import type { ClientOptions } from '../../registry/client.js';
import { BaseTree, readBaseTree, type TreeNode } from '../../oci/base-tree.js';
import { writeFileAtomic } from '../../fs.js';
import type { Plan } from '../../plan/plan.js';
import { SCRATCH } from '../../spec/schema.js';
import { baseFacts, type BaseFacts } from './facts.js';
import { keepLdFile, saveBaseLdFacts } from './ld-cache-entry.js';
import { scratchBase, scratchFacts } from './scratch.js';

/** Files of the base the native engine reads; everything else is only listed. */
export function keepBaseFile(path: string): boolean {
  return (
    /^(?:etc\/(?:passwd|group|shadow|gshadow|subuid|subgid|os-release|login\.defs|ca-certificates\.conf)|usr\/lib\/os-release|var\/lib\/dpkg\/(?:status|statoverride|diversions)|var\/lib\/apt\/extended_states)$/.test(
      path,
    ) ||
    path.startsWith('var/lib/dpkg/alternatives/') ||
    path.startsWith('etc/dpkg/dpkg.cfg.d/') ||
    path.startsWith('etc/skel/')
  );
}

function matches(d: Descriptor, platform: string): boolean {
  const want = parsePlatform(platform);
  return (
    d.platform?.os === want.os &&
    d.platform.architecture === want.architecture &&
    (want.variant === undefined || d.platform.variant === want.variant)
  );
}

/** The platform's image of the base: its index's entry for it, or the one image it is. */
async function platformImage(reference: string, root: ImageNode, platform: string): Promise<Image> {
  if (root.kind === 'image') {
    const want = parsePlatform(platform);
    if (root.config.architecture !== want.architecture)
      throw new KuboxError(
        'base-not-found',
        `base image ${reference} is ${root.config.os}/${root.config.architecture} only, not ${platform}`,
      );
    return root;
  }
  const found = root.manifest.manifests.find((d) => matches(d, platform));
  if (!found)
    throw new KuboxError(
      'base-not-found',
      `base image ${reference} has no ${platform} image (it has ${root.manifest.manifests
        .map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : '?'))
        .join(', ')})`,
      { hint: 'choose a base that supports every platform in platforms:' },
    );
  const image = await root.child(found);
  if (image.kind !== 'image')
    throw new KuboxError(
      'base-not-found',
      `base image ${reference}: its ${platform} entry is an index`,
    );
  return image;
}

/**
 * Every requested platform of the base, from the index its pinned digest
 * names, read through kubox's cache: the registry is contacted only for what
 * the cache does not have, and every layer is in the cache when this returns
 * (a build's layout links them from there).
 */
export async function pullBase(
  reference: string,
  platforms: readonly string[],
  cacheRoot: string,
  opts: ClientOptions = {},
): Promise<Image[]> {
  const ref = parseReference(reference);
  if (!ref.digest) throw new KuboxError('spec', `base ${reference} is not pinned by digest`);
  const registry = registrySource(lazyClient(ref.registry, opts), ref.repository);
  const upstream: Source = {
    ...registry,
    manifest: (d) =>
      registry.manifest(d).catch((e: unknown) => {
        if (e instanceof HttpError && e.status === 404)
          throw new KuboxError('base-not-found', `base image ${reference} was not found`, {
            hint: 'check the name and digest (`kubox pin` finds the current digest of a tag)',
            cause: e,
          });
        throw e;
      }),
  };
  const cache = cachedSource(cacheRoot, upstream);
  const root = await openDigest(cache, ref.digest);
  return Promise.all(
    platforms.map(async (platform) => {
      const image = await platformImage(reference, root, platform);
      for (const l of image.layers) await cache.keep(l);
      return image;
    }),
  );
}

/**
 * The base's filesystem. Reading it means decompressing every layer (about a
 * second for a slim base); the result depends only on the manifest, so it is
 * kept in the cache as a listing plus the few files kubox reads.
 */
export async function baseTree(base: Image, cacheRoot: string): Promise<BaseTree> {
  // v2: keeps dpkg's statoverride and diversions, which maintainer scripts add to; v3: subuid,
  // subgid (useradd adds a range) and apt's extended_states (its Auto-Installed marks are kept).
  const path = join(cacheRoot, 'derived', 'base-tree-v3', `${base.descriptor.digest}.json`);
  try {
    const saved = JSON.parse(await readFile(path, 'utf8')) as {
      nodes: [string, TreeNode][];
      contents: [string, string][];
    };
    const tree = new BaseTree();
    const contents = new Map(saved.contents);
    for (const [p, node] of saved.nodes) {
      const data = contents.get(p);
      tree.set(p, node, data === undefined ? undefined : Buffer.from(data, 'base64'));
    }
    return tree;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  // pullBase left every layer in the cache. The one pass over them also takes what ld.so.cache
  // needs of the base's libraries (the state layer's), then lets go of their contents.
  const layers = base.layers.map((l) => blobPath(cacheRoot, l.digest));
  const tree = await readBaseTree(layers, (p) => keepBaseFile(p) || keepLdFile(p));
  await saveBaseLdFacts(tree, base.descriptor.digest, cacheRoot);
  tree.keepContents(keepBaseFile);
  const nodes: [string, TreeNode][] = [];
  const contents: [string, string][] = [];
  for (const p of tree.paths()) {
    nodes.push([p, tree.get(p)!]);
    const data = tree.read(p);
    if (data) contents.push([p, data.toString('base64')]);
  }
  await writeFileAtomic(path, JSON.stringify({ nodes, contents }));
  return tree;
}

/** A platform of the base: the image, its filesystem, and what kubox reads from it. */
export interface PlatformBase {
  /** As the spec names it (the image's own config may add a variant: linux/arm64/v8). */
  platform: string;
  image: Image;
  tree: BaseTree;
  facts: BaseFacts;
}

export async function loadBases(
  plan: Plan,
  platforms: readonly string[],
  root: string,
): Promise<PlatformBase[]> {
  if (plan.spec.base === SCRATCH)
    return platforms.map((p) => ({
      platform: p,
      image: scratchBase(p),
      ...scratchFacts(p, plan.spec.apt.release!),
    }));
  const images = await pullBase(plan.spec.base, platforms, root);
  return Promise.all(
    images.map(async (image, i): Promise<PlatformBase> => {
      const tree = await baseTree(image, root);
      return { platform: platforms[i]!, image, tree, facts: baseFacts(tree, plan.spec.base) };
    }),
  );
}
