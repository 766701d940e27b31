/**
 * One platform's image as a file tree: the platform chosen from an index,
 * and its layers applied bottom-up with whiteouts by the same reader the
 * native engine uses for a base (oci/base-tree.ts). Layers that are not a
 * file already (a registry's, an archive's byte range) are spooled to a
 * private temporary directory first, because the reader sniffs each file's
 * compression by its first bytes.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { KuboxError } from '../errors.js';
import type { Image, ImageNode } from '../image/model.js';
import { readBaseTree, type BaseTree } from '../oci/base-tree.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../oci/platform.js';
import { isAttestation, isIndex, type Descriptor } from '../oci/types.js';
import { pool } from '../pool.js';

function platformOfDescriptor(d: Descriptor): string | undefined {
  return d.platform
    ? formatPlatform({
        os: d.platform.os,
        architecture: d.platform.architecture,
        ...(d.platform.variant ? { variant: d.platform.variant } : {}),
      })
    : undefined;
}

/** "linux/arm64" matches "linux/arm64/v8": a variant asked for must match, one not asked for is any. */
function matches(have: string, want: string): boolean {
  const h = parsePlatform(have);
  const w = parsePlatform(want);
  return (
    h.os === w.os &&
    h.architecture === w.architecture &&
    (w.variant === undefined || h.variant === w.variant)
  );
}

function checkPlatform(platform: string): void {
  try {
    parsePlatform(platform);
  } catch {
    throw new KuboxError('usage', `--platform "${platform}" is not a platform`, {
      hint: 'write it as os/arch[/variant], e.g. linux/amd64',
    });
  }
}

/**
 * The image an SBOM describes: `platform` if given; else the only platform
 * there is; else this machine's. An index without it is an error that lists
 * what it has.
 */
export async function choosePlatformImage(
  node: ImageNode,
  platform?: string,
): Promise<{ image: Image; indexDigest?: string }> {
  if (platform !== undefined) checkPlatform(platform);
  if (node.kind === 'image') {
    const have = formatPlatform({
      os: node.config.os || 'linux',
      architecture: node.config.architecture,
      ...(node.config.variant ? { variant: node.config.variant } : {}),
    });
    if (platform !== undefined && !matches(have, platform))
      throw new KuboxError('not-found', `the image is ${have} only, not ${platform}`, {
        hint: `leave out --platform, or give --platform ${have}`,
      });
    return { image: node };
  }
  const entries = node.manifest.manifests
    .filter((d) => !isAttestation(d) && !isIndex(d.mediaType))
    .flatMap((d) => {
      const p = platformOfDescriptor(d);
      return p ? [{ d, p }] : [];
    });
  const names = entries.map((e) => e.p).join(', ') || 'none';
  let found: (typeof entries)[number] | undefined;
  if (platform !== undefined) {
    found = entries.find((e) => matches(e.p, platform));
    if (!found)
      throw new KuboxError('not-found', `the image has no ${platform} manifest (it has ${names})`, {
        hint: 'give one of those with --platform',
      });
  } else if (entries.length === 1) {
    found = entries[0];
  } else {
    const host = hostPlatform();
    found = entries.find((e) => matches(e.p, host));
    if (!found)
      throw new KuboxError(
        'usage',
        `the image has ${entries.length} platforms (${names}) and none is this machine's (${host})`,
        { hint: 'choose one with --platform; an SBOM describes one platform' },
      );
  }
  const child = await node.child(found!.d);
  if (child.kind !== 'image')
    throw new KuboxError('io', `the ${found!.p} entry of the index is itself an index`);
  return { image: child, indexDigest: node.descriptor.digest };
}

/** The image's file system, keeping the contents of the files `keep` chooses. */
export async function imageTree(image: Image, keep: (path: string) => boolean): Promise<BaseTree> {
  const spool = image.layers.some((l) => !l.path)
    ? await mkdtemp(join(tmpdir(), 'kubox-sbom-'))
    : undefined;
  try {
    const files = image.layers.map((l, i) => l.path ?? join(spool!, `layer-${i}`));
    // A registry's or an archive's layer is copied once; a registry's is checked
    // against its digest as it streams.
    await pool(
      image.layers.map((l, i) => ({ l, i })).filter(({ l }) => !l.path),
      3,
      async ({ l, i }) => pipeline(l.open(), createWriteStream(files[i]!)),
    );
    return await readBaseTree(files, keep);
  } finally {
    if (spool) await rm(spool, { recursive: true, force: true });
  }
}
