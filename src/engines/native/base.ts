/**
 * The base image, pulled by digest into kubox's content-addressed cache, and
 * read without extracting anything: which Debian release it is, what dpkg
 * has installed, its users, its Python. Manifests and blobs are immutable by
 * digest, so a cached base needs no registry at all on the next build.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KuboxError } from '../../errors.js';
import { HttpError } from '../../http/error.js';
import { blobPath, writeBlob } from '../../oci/layout.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseReference } from '../../oci/reference.js';
import { isIndex, type Descriptor, type Index, type Manifest } from '../../oci/types.js';
import { RegistryClient, type ClientOptions } from '../../registry/client.js';
import { BaseTree, readBaseTree, type TreeNode } from '../../oci/base-tree.js';
import { writeFileAtomic } from '../../fs.js';
import type { Plan } from '../../plan/plan.js';
import { SCRATCH } from '../../spec/schema.js';
import { baseFacts, type BaseFacts } from './facts.js';
import { scratchBase, scratchFacts } from './scratch.js';

/** The config as stored: kubox keeps every field it does not change. */
export type RawConfig = Record<string, unknown> & {
  architecture: string;
  os: string;
  rootfs: { type: string; diff_ids: string[] };
  config?: Record<string, unknown>;
  history?: Record<string, unknown>[];
};

export interface BaseImage {
  platform: string;
  manifest: Manifest;
  manifestDescriptor: Descriptor;
  config: RawConfig;
  configDigest: string;
  /** Layer blobs in the cache, bottom first. */
  layerPaths: string[];
}

/** Files of the base the native engine reads; everything else is only listed. */
export function keepBaseFile(path: string): boolean {
  return (
    /^(?:etc\/(?:passwd|group|shadow|gshadow|os-release|login\.defs|ca-certificates\.conf)|usr\/lib\/os-release|var\/lib\/dpkg\/status)$/.test(
      path,
    ) ||
    path.startsWith('var/lib/dpkg/alternatives/') ||
    path.startsWith('etc/dpkg/dpkg.cfg.d/') ||
    path.startsWith('etc/skel/')
  );
}

/** Reads a blob from the cache, or fetches it (digest-checked) into the cache first. */
async function cachedBlob(
  cacheRoot: string,
  digest: string,
  fetch: () => Promise<NodeJS.ReadableStream | Buffer>,
): Promise<string> {
  const path = blobPath(cacheRoot, digest);
  if (!existsSync(path)) {
    const content = await fetch();
    await writeBlob(
      cacheRoot,
      digest,
      Buffer.isBuffer(content) ? content : (content as import('node:stream').Readable),
    );
  }
  return path;
}

function matches(d: Descriptor, platform: string): boolean {
  const want = parsePlatform(platform);
  return (
    d.platform?.os === want.os &&
    d.platform.architecture === want.architecture &&
    (want.variant === undefined || d.platform.variant === want.variant)
  );
}

/**
 * Every requested platform of the base, from the index its pinned digest
 * names. A registry is contacted only for what the cache does not have.
 */
export async function pullBase(
  reference: string,
  platforms: readonly string[],
  cacheRoot: string,
  opts: ClientOptions = {},
): Promise<BaseImage[]> {
  const ref = parseReference(reference);
  if (!ref.digest) throw new KuboxError('spec', `base ${reference} is not pinned by digest`);
  let client: RegistryClient | undefined;
  const connect = async () => (client ??= await RegistryClient.connect(ref.registry, opts));
  const manifestBytes = async (digest: string) =>
    readFile(
      await cachedBlob(cacheRoot, digest, async () => {
        try {
          return (await (await connect()).getManifest(ref.repository, digest)).bytes;
        } catch (e) {
          if (e instanceof HttpError && e.status === 404)
            throw new KuboxError('base-not-found', `base image ${reference} was not found`, {
              hint: 'check the name and digest (`kubox pin` finds the current digest of a tag)',
              cause: e,
            });
          throw e;
        }
      }),
    );
  const blob = async (digest: string) =>
    cachedBlob(cacheRoot, digest, async () => (await connect()).getBlob(ref.repository, digest));

  const rootBytes = await manifestBytes(ref.digest);
  const root = JSON.parse(rootBytes.toString('utf8')) as Index | Manifest;
  const rootIsIndex = 'manifests' in root || isIndex(root.mediaType);

  return Promise.all(
    platforms.map(async (platform) => {
      let descriptor: Descriptor;
      if (rootIsIndex) {
        const found = (root as Index).manifests.find((d) => matches(d, platform));
        if (!found)
          throw new KuboxError(
            'base-not-found',
            `base image ${reference} has no ${platform} image (it has ${(root as Index).manifests
              .map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : '?'))
              .join(', ')})`,
            { hint: 'choose a base that supports every platform in platforms:' },
          );
        descriptor = found;
      } else {
        descriptor = {
          mediaType: (root as Manifest).mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
          digest: ref.digest!,
          size: rootBytes.length,
        };
      }
      const bytes = rootIsIndex ? await manifestBytes(descriptor.digest) : rootBytes;
      const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
      const config = JSON.parse(
        (await readFile(await blob(manifest.config.digest))).toString('utf8'),
      ) as RawConfig;
      if (!rootIsIndex) {
        const want = parsePlatform(platform);
        if (config.architecture !== want.architecture)
          throw new KuboxError(
            'base-not-found',
            `base image ${reference} is ${config.os}/${config.architecture} only, not ${platform}`,
          );
      }
      const layerPaths: string[] = [];
      for (const l of manifest.layers) layerPaths.push(await blob(l.digest));
      return {
        platform,
        manifest,
        manifestDescriptor: {
          mediaType: descriptor.mediaType,
          digest: descriptor.digest,
          size: descriptor.size,
        },
        config,
        configDigest: manifest.config.digest,
        layerPaths,
      };
    }),
  );
}

/**
 * The base's filesystem. Reading it means decompressing every layer (about a
 * second for a slim base); the result depends only on the manifest, so it is
 * kept in the cache as a listing plus the few files kubox reads.
 */
export async function baseTree(base: BaseImage, cacheRoot: string): Promise<BaseTree> {
  const path = join(cacheRoot, 'derived', 'base-tree-v1', `${base.manifestDescriptor.digest}.json`);
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
  const tree = await readBaseTree(base.layerPaths, keepBaseFile);
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
  image: BaseImage;
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
      image: scratchBase(p),
      ...scratchFacts(p, plan.spec.apt.release!),
    }));
  const images = await pullBase(plan.spec.base, platforms, root);
  return Promise.all(
    images.map(async (image): Promise<PlatformBase> => {
      const tree = await baseTree(image, root);
      return { image, tree, facts: baseFacts(tree, plan.spec.base) };
    }),
  );
}
