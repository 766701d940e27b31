/**
 * `sbomFor`: the SBOM model of an image (one platform of it), derived from the
 * image itself; with the native engine's kubox.lock, every .deb and wheel
 * also carries where it was downloaded and its sha256, and the lock's
 * binaries (which no package database records) are listed too.
 */
import { KuboxError } from '../errors.js';
import type { Lock, LockedPlatform } from '../engines/native/lock.js';
import type { Image, ImageNode } from '../image/model.js';
import { parsePlatform } from '../oci/platform.js';
import { normalizeProjectName } from './dist-info.js';
import { debianComponents, distroOf, keepSbomFile, pythonComponents } from './inventory.js';
import { binaryPurl, compareComponents, type SbomComponent, type SbomModel } from './model.js';
import { choosePlatformImage, imageTree } from './read-tree.js';

export interface SbomOptions {
  /** The native build's kubox.lock: downloads, hashes and binaries. */
  lock?: Lock;
  /** Which platform of a multi-platform image; default: the only one, else this machine's. */
  platform?: string;
  /** The name the image goes by (a reference, oci:PATH), written into the document. */
  name?: string;
}

const BASE_NAME = 'org.opencontainers.image.base.name';
const BASE_DIGEST = 'org.opencontainers.image.base.digest';
const EPOCH = '1970-01-01T00:00:00Z';

/** RFC 3339 in UTC, whole seconds: SPDX's form, accepted by CycloneDX. */
export function sbomTimestamp(created: string | undefined): string {
  const t = created ? Date.parse(created) : Number.NaN;
  return Number.isNaN(t) ? EPOCH : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

function lockPlatform(lock: Lock, platform: string): LockedPlatform {
  const want = parsePlatform(platform);
  const entry = Object.entries(lock.platforms).find(([p]) => {
    const have = parsePlatform(p);
    return have.architecture === want.architecture && (have.variant ?? '') === (want.variant ?? '');
  });
  if (!entry)
    throw new KuboxError(
      'lock',
      `the lock has no ${platform} platform (it has ${Object.keys(lock.platforms).join(', ')})`,
      { hint: 'give the kubox.lock of the build that made this image, or choose --platform' },
    );
  return entry[1];
}

/** The lock's downloads on the components they made, and its binaries as components of their own. */
export function applyLock(components: SbomComponent[], locked: LockedPlatform): SbomComponent[] {
  const debs = new Map(locked.debs.map((d) => [`${d.name}\0${d.version}\0${d.architecture}`, d]));
  const wheels = new Map(
    locked.wheels.map((w) => [`${normalizeProjectName(w.name)}\0${w.version}`, w]),
  );
  const out = components.map((c): SbomComponent => {
    if (c.kind === 'deb') {
      const d = debs.get(`${c.name}\0${c.version}\0${c.architecture}`);
      return d ? { ...c, download: { url: d.url, sha256: d.sha256, repository: d.source } } : c;
    }
    if (c.kind === 'pypi') {
      const w = wheels.get(`${c.name}\0${c.version}`);
      return w ? { ...c, download: { url: w.url, sha256: w.sha256 } } : c;
    }
    return c;
  });
  for (const b of locked.binaries)
    out.push({
      kind: 'binary',
      name: b.name,
      purl: binaryPurl(b.name, b.url, b.sha256),
      download: { url: b.url, sha256: b.sha256 },
    });
  return out;
}

/** The SBOM model of one platform's image (an index: see `SbomOptions.platform`). */
export async function sbomFor(
  image: ImageNode | Image,
  opts: SbomOptions = {},
): Promise<SbomModel> {
  const { image: chosen, indexDigest } = await choosePlatformImage(image, opts.platform);
  const platform = [chosen.config.os || 'linux', chosen.config.architecture, chosen.config.variant]
    .filter(Boolean)
    .join('/');
  const locked = opts.lock ? lockPlatform(opts.lock, platform) : undefined;
  const tree = await imageTree(chosen, keepSbomFile);
  const distro = distroOf(tree);
  let components = [...debianComponents(tree, distro), ...pythonComponents(tree)];
  if (locked) components = applyLock(components, locked);
  components.sort(compareComponents);

  const labels = chosen.config.config?.Labels ?? {};
  const baseName = labels[BASE_NAME];
  const baseDigest = labels[BASE_DIGEST] ?? locked?.base.manifest;
  return {
    image: {
      digest: chosen.descriptor.digest,
      ...(indexDigest ? { indexDigest } : {}),
      platform,
      created: sbomTimestamp(chosen.config.created),
      ...(opts.name ? { name: opts.name } : {}),
    },
    ...(distro ? { distro } : {}),
    ...(baseName || baseDigest
      ? {
          base: {
            ...(baseName ? { name: baseName } : {}),
            ...(baseDigest ? { digest: baseDigest } : {}),
          },
        }
      : {}),
    components,
  };
}
