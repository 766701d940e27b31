/**
 * `base: scratch`: no base image at all. The root filesystem is only what the
 * packages ship plus a skeleton (merged /usr, /tmp, /root), so every file is
 * accounted for by a package in dpkg's status or by kubox. Debian's
 * packages assume its Essential set is present without declaring it; a
 * scratch image holds only what was asked for (plus base-files, whose
 * /etc/os-release tells scanners which distribution this is).
 */
import { Readable } from 'node:stream';
import { OciMediaType } from '../../image/append.js';
import type { Image, Layer } from '../../image/model.js';
import { parsePlatform, targetArch } from '../../oci/platform.js';
import { BaseTree } from '../../oci/base-tree.js';
import type { FileEntry } from '../../oci/file-entry.js';
import { MediaType } from '../../oci/types.js';
import type { BaseFacts } from './facts.js';

export const SCRATCH_MANIFEST = 'scratch';

/** The PATH BuildKit gives a RUN (and so the image) when the base's config sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the merged-/usr links point; lib64 only where the ABI puts its loader there. */
function mergedDirs(platform: string): [string, string][] {
  const dirs: [string, string][] = [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
  ];
  if (['amd64', 'ppc64le', 's390x'].includes(targetArch(platform)))
    dirs.push(['lib64', 'usr/lib64']);
  return dirs;
}

/**
 * The empty image scratch builds on, in the model's shape. Its "digests"
 * are the word scratch, which is what kubox.lock records for it; nothing
 * reads or copies its blobs (the built image's config replaces its own).
 */
export function scratchBase(platform: string): Image {
  const p = parsePlatform(platform);
  const configBlob: Layer = {
    digest: SCRATCH_MANIFEST,
    size: 0,
    mediaType: OciMediaType.config,
    open: () => Readable.from([]),
  };
  return {
    kind: 'image',
    descriptor: { mediaType: MediaType.ociManifest, digest: SCRATCH_MANIFEST, size: 0 },
    bytes: Buffer.alloc(0),
    manifest: {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: OciMediaType.config, digest: SCRATCH_MANIFEST, size: 0 },
      layers: [],
    },
    config: {
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      rootfs: { type: 'layers', diff_ids: [] },
      config: { Env: [`PATH=${DEFAULT_PATH}`] },
      history: [],
    },
    configBlob,
    layers: [],
  };
}

export function scratchFacts(
  platform: string,
  release: string,
): { tree: BaseTree; facts: BaseFacts } {
  // The skeleton is the "base" the package layers go on top of.
  const tree = new BaseTree();
  for (const e of scratchSkeleton(platform))
    tree.set(e.path, {
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      size: 0,
      ...(e.linkname ? { linkname: e.linkname } : {}),
    });
  return {
    tree,
    facts: {
      codename: release,
      osId: 'debian',
      dpkgStatus: '',
      installed: new Map(),
      users: {
        passwd: 'root:x:0:0:root:/root:/bin/sh\n',
        group: 'root:x:0:\n',
        shadow: 'root:*::0:99999:7:::\n',
        gshadow: 'root:*::\n',
      },
      topLinks: new Map(mergedDirs(platform)),
      alternatives: new Map(),
      skel: new Map(),
      dpkgFilters: new Map(),
      pythonInstalled: new Map(),
      pythonMetadataDirs: new Map(),
    },
  };
}

/** The directories every Debian root has, and the merged-/usr links packages' paths go through. */
export function scratchSkeleton(platform: string): FileEntry[] {
  const dir = (path: string, mode = 0o755): FileEntry => ({
    path,
    type: 'directory',
    mode,
    uid: 0,
    gid: 0,
  });
  const entries: FileEntry[] = [
    dir('etc'),
    dir('home'),
    dir('root', 0o700),
    dir('run'),
    dir('tmp', 0o1777),
    dir('usr'),
    dir('usr/local'),
    dir('usr/local/bin'),
    dir('var'),
    dir('var/lib'),
    dir('var/lib/dpkg'),
    dir('var/tmp', 0o1777),
  ];
  for (const [link, target] of mergedDirs(platform)) {
    entries.push(dir(target), {
      path: link,
      type: 'symlink',
      mode: 0o777,
      uid: 0,
      gid: 0,
      linkname: target,
    });
  }
  return entries;
}
