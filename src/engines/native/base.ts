/**
 * The base image, pulled by digest into kubox's content-addressed cache, and
 * read without extracting anything: which Debian release it is, what dpkg
 * has installed, its users, its Python. Manifests and blobs are immutable by
 * digest, so a cached base needs no registry at all on the next build.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KuboxError } from '../../errors.js';
import { blobPath, writeBlob } from '../../oci/layout.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseReference } from '../../oci/reference.js';
import { isIndex, type Descriptor, type Index, type Manifest } from '../../oci/types.js';
import { RegistryClient, type ClientOptions } from '../../registry/client.js';
import { readBaseTree, type BaseTree } from '../../oci/base-tree.js';

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
    await mkdir(dirname(path), { recursive: true });
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
          if (e instanceof KuboxError && /HTTP 404/.test(e.message))
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

export async function baseTree(base: BaseImage): Promise<BaseTree> {
  return readBaseTree(base.layerPaths, keepBaseFile);
}
