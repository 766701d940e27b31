/**
 * Spec -> kubox.lock: every platform's .debs (from signed apt sources,
 * resolved against what the base already has), binaries and wheels, each
 * with its URL and sha256. This is the only step that needs the network for
 * metadata; a build from a lock only fetches the bytes it names.
 */
import { createHash } from 'node:crypto';
import type { ContentCache } from '../../cache.js';
import { fetchBytes } from '../../http/download.js';
import { KuboxError } from '../../errors.js';
import type { PackageList } from '../../debian/package-list.js';
import { fetchPackages, fetchRelease, type Release } from '../../debian/repo.js';
import { debianSources, type AptSource } from '../../debian/sources.js';
import { debianArchiveKeys, readKeys } from '../../debian/keyring.js';
import { PackageIndex, resolve as resolveDebs, type PackageRecord } from '../../debian/resolve.js';
import { targetArch } from '../../oci/platform.js';
import { resolveWheels } from '../../python/resolve.js';
import { wheelArch } from '../../python/target.js';
import { metadataByDownload } from '../../python/simple-index.js';
import { SCRATCH, type Spec } from '../../spec/schema.js';
import type { BaseFacts } from './facts.js';
import type { Image } from '../../image/model.js';
import { lockInputs, type Lock, type LockedPlatform } from './lock.js';
import { expandArgs, targetArgs } from './args.js';

export const DEFAULT_PYPI = 'https://pypi.org/simple/';

export interface ResolveInput {
  spec: Spec;
  args: Readonly<Record<string, string>>;
  bases: readonly { platform: string; image: Image; facts: BaseFacts }[];
  cache: ContentCache;
  sourceDateEpoch: number;
  log: (msg: string) => void;
  /**
   * Platforms this run does not build: one that cannot be resolved (no wheel for
   * it, say) is left out of the lock with a warning instead of failing the build.
   */
  optional?: readonly string[];
  /**
   * A platform's wheels from the lock being replaced, when nothing they were
   * resolved from changed (see `keptWheels`): kept instead of asking the index again.
   */
  keptWheels?: (platform: string, baseManifest: string) => LockedPlatform['wheels'] | undefined;
}

/** The official python images say their exact version in PYTHON_VERSION; markers may need it. */
function pythonFullVersion(config: Image['config']): string | undefined {
  const env = (config.config?.Env as string[] | undefined) ?? [];
  const v = env.find((e) => e.startsWith('PYTHON_VERSION='))?.slice('PYTHON_VERSION='.length);
  return v && /^\d+\.\d+\.\d+$/.test(v) ? v : undefined;
}

const packageName = (e: string | { name: string }) => (typeof e === 'string' ? e : e.name);

/** The Debian release the base runs, so the packages match its libc and friends. */
function codenameOf(bases: ResolveInput['bases'], spec: Spec): string {
  const other = bases.find((b) => b.facts.osId !== undefined && b.facts.osId !== 'debian');
  if (other)
    throw new KuboxError(
      'build-failed',
      `the native engine installs Debian packages, but ${spec.base} is ${other.facts.osId} (/etc/os-release)`,
      { hint: 'use a Debian-based base (such as python:3.13-slim), or --engine buildx' },
    );
  if (spec.apt.release) return spec.apt.release;
  const names = new Set(bases.map((b) => b.facts.codename));
  const [codename] = names;
  if (names.size !== 1 || !codename)
    throw new KuboxError(
      'build-failed',
      `the native engine installs Debian packages, but ${spec.base} ${
        names.size > 1
          ? `is a different Debian release per platform (${[...names].join(', ')})`
          : 'has no VERSION_CODENAME in /etc/os-release'
      }`,
      { hint: 'use a Debian-based base (such as python:3.13-slim), or --engine buildx' },
    );
  return codename;
}

async function extraSources(
  spec: Spec,
  args: Readonly<Record<string, string>>,
): Promise<{ sources: AptSource[]; keys: Lock['keys']; keyBytes: Map<string, Uint8Array> }> {
  const sources: AptSource[] = [];
  const keys: Lock['keys'] = [];
  const keyBytes = new Map<string, Uint8Array>();
  for (const r of spec.apt.repositories) {
    const url = expandArgs(r.url, args, `apt.repositories (${r.name}).url`);
    const keyUrl = expandArgs(r.key, args, `apt.repositories (${r.name}).key`);
    const bytes = await fetchBytes(keyUrl, { maxBytes: 1 << 20 });
    keys.push({
      name: r.name,
      url: keyUrl,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    keyBytes.set(r.name, bytes);
    sources.push({
      name: r.name,
      url: url.endsWith('/') ? url : `${url}/`,
      suite: r.suite,
      components: r.components,
      keys: { url: keyUrl },
    });
  }
  return { sources, keys, keyBytes };
}

/**
 * The sha256 a checksum file gives for the file at `url`: the line naming its
 * file name (`<hex>  name` or `<hex> *name`, as sha256sum writes), or the
 * only checksum when the file holds just one (mc.sha256sum).
 */
export function checksumFor(text: string, url: string): string | undefined {
  const name = url.split(/[?#]/)[0]!.split('/').pop()!;
  const lines = text
    .split('\n')
    .map((l) => /^([a-f0-9]{64})(?:\s+\*?(\S+))?\s*$/i.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  const named = lines.find((m) => m[2] !== undefined && m[2].split('/').pop() === name);
  const hit = named ?? (lines.length === 1 ? lines[0] : undefined);
  return hit?.[1]!.toLowerCase();
}

async function binariesFor(
  spec: Spec,
  args: Readonly<Record<string, string>>,
  platform: string,
): Promise<LockedPlatform['binaries']> {
  const arch = targetArch(platform);
  const out: LockedPlatform['binaries'] = [];
  for (const b of spec.binaries) {
    const vars = { ...args, ...targetArgs(platform) };
    const url = expandArgs(b.url, vars, `binaries (${b.name}).url`);
    let sha256 = b.sha256?.[arch as keyof typeof b.sha256];
    if (!sha256 && b.checksumUrl) {
      const sumUrl = expandArgs(b.checksumUrl, vars, `binaries (${b.name}).checksumUrl`);
      const text = (await fetchBytes(sumUrl, { maxBytes: 1 << 16 })).toString('utf8');
      const found = checksumFor(text, url);
      if (!found)
        throw new KuboxError(
          'integrity',
          `${sumUrl} has no sha256 for ${url.split('/').pop()} (nor a single checksum)`,
          { hint: `pin binaries[].sha256.${arch} for ${b.name} in kubox.yaml` },
        );
      sha256 = found;
    }
    if (!sha256)
      throw new KuboxError('spec', `binary ${b.name} has no sha256 for ${arch}`, {
        hint: `add binaries[].sha256.${arch} or a checksumUrl`,
      });
    out.push({ name: b.name, url, sha256 });
  }
  return out;
}

export async function resolveLock(input: ResolveInput): Promise<Lock> {
  const { spec, args, bases, cache, log } = input;
  const platforms = bases.map((b) => b.platform);
  const requests = [
    ...spec.apt.packages.map(packageName),
    ...spec.apt.repositories.flatMap((r) => r.packages.map(packageName)),
  ];
  // From scratch, base-files is what says which distribution this is (/etc/os-release).
  if (spec.base === SCRATCH && !requests.some((r) => r.split('=')[0] === 'base-files'))
    requests.unshift('base-files');

  // Signed metadata, once for all platforms.
  let releases: Release[] = [];
  let keys: Lock['keys'] = [];
  if (requests.length > 0) {
    const codename = codenameOf(bases, spec);
    const debian = debianSources({
      codename,
      ...(spec.apt.mirror ? { mirror: spec.apt.mirror } : {}),
      ...(spec.apt.securityMirror ? { securityMirror: spec.apt.securityMirror } : {}),
      ...(spec.apt.snapshot ? { snapshot: spec.apt.snapshot } : {}),
    });
    const extra = await extraSources(spec, args);
    keys = extra.keys;
    const archive = await debianArchiveKeys();
    log(`verifying ${debian.length + extra.sources.length} apt sources (InRelease)`);
    releases = await Promise.all([
      ...debian.map((s) => fetchRelease(s, { keys: archive })),
      ...extra.sources.map(async (s) =>
        fetchRelease(s, {
          keys: await readKeys(
            extra.keyBytes.get(s.name)!,
            `${s.name} key ${(s.keys as { url: string }).url}`,
          ),
        }),
      ),
    ]);
  }

  // Every platform's indexes are fetched and decompressed at once, on libuv's threads, while
  // the first platform resolves: each is held as its text (50 MB for bookworm's main) until its
  // platform has resolved, and parsed only where the resolver looks. Sources keep their order.
  const fetchIndexes = (arch: string) => {
    const lists = Promise.all(releases.map((r) => fetchPackages(r, arch, cache)));
    lists.catch(() => {}); // awaited by its platform; one that fails first must not leave it unobserved
    return lists;
  };
  const indexes = new Map<string, Promise<PackageList[]>>();
  if (requests.length > 0)
    for (const arch of new Set(bases.map((b) => targetArch(b.platform))))
      indexes.set(arch, fetchIndexes(arch));

  const locked: Record<string, LockedPlatform> = {};
  for (const base of bases) {
    const { platform } = base;
    try {
      locked[platform] = await lockPlatform(base);
    } catch (e) {
      if (!input.optional?.includes(platform) || !(e instanceof KuboxError) || e.kind !== 'resolve')
        throw e;
      log(`${platform}: left out of the lock (not built now): ${e.message}`);
    }
  }

  async function lockPlatform({
    platform,
    image,
    facts,
  }: ResolveInput['bases'][number]): Promise<LockedPlatform> {
    const arch = targetArch(platform);
    let debs: PackageRecord[] = [];
    if (requests.length > 0) {
      const index = new PackageIndex(arch);
      // Taken out of the map, so that its texts go once it has resolved (two platforms of one
      // architecture, linux/arm64 and linux/arm64/v8, read the cached files again).
      const lists = indexes.get(arch) ?? fetchIndexes(arch);
      indexes.delete(arch);
      for (const list of await lists) index.addSource(list);
      debs = resolveDebs(index, requests, { installed: facts.installed });
      log(`${platform}: ${debs.length} Debian packages to add`);
    }

    let wheels: LockedPlatform['wheels'] = [];
    const pipRequests = spec.pip.packages.map(packageName);
    const kept = input.keptWheels?.(platform, image.descriptor.digest);
    if (kept) {
      wheels = kept;
      log(`${platform}: ${wheels.length} Python wheels kept from the lock (pip inputs unchanged)`);
    } else if (pipRequests.length > 0) {
      if (!facts.python)
        throw new KuboxError(
          'build-failed',
          `pip packages are listed, but ${spec.base} (${platform}) has no python3 the native engine can find`,
          { hint: 'use a base with Python (python:3.x-slim), or --engine buildx' },
        );
      const target = { ...facts.python, arch: wheelArch(platform) };
      const indexUrl = spec.pip.indexUrl
        ? expandArgs(spec.pip.indexUrl, args, 'pip.indexUrl')
        : DEFAULT_PYPI;
      // Metadata comes from PEP 658 files when the index has them, else from the wheel itself;
      // one download map keeps a wheel from being fetched twice.
      const downloads = new Map<string, { bytes: Uint8Array; sha256: string }>();
      const fullVersion = pythonFullVersion(image.config);
      const resolved = await resolveWheels(pipRequests, target, {
        indexUrl,
        installed: facts.pythonInstalled,
        fetchWheelMetadata: metadataByDownload(fetch, downloads),
        downloads,
        ...(fullVersion ? { pythonFullVersion: fullVersion } : {}),
        platform,
      });
      wheels = resolved.map((w) => ({
        name: w.name,
        requested: w.requested,
        version: w.version,
        filename: w.filename,
        url: w.url,
        sha256: w.sha256,
      }));
      // Wheels downloaded for their metadata go into the cache: the build will not fetch them again.
      for (const d of downloads.values()) await cache.put(d.bytes);
      log(`${platform}: ${wheels.length} Python wheels to add`);
    }

    return {
      base: { manifest: image.descriptor.digest, config: image.manifest.config.digest },
      debs: debs.map((d) => {
        if (!d.url || !d.sha256 || d.size === undefined)
          throw new KuboxError(
            'integrity',
            `${d.name} ${d.version} (${d.source ?? 'debian'}) has no Filename, SHA256 or Size in its Packages index; kubox installs nothing it cannot verify`,
            { hint: 'report it to the repository; or pin another version (name=version)' },
          );
        return {
          name: d.name,
          version: d.version,
          architecture: d.architecture,
          source: d.source ?? 'debian',
          url: d.url,
          sha256: d.sha256,
          size: d.size,
        };
      }),
      binaries: await binariesFor(spec, args, platform),
      wheels,
    };
  }

  return {
    lockVersion: 1,
    inputs: lockInputs(spec, args),
    sourceDateEpoch: input.sourceDateEpoch,
    sources: releases.map((r) => ({
      name: r.source.name,
      url: r.source.url,
      suite: r.source.suite,
      inRelease: r.inReleaseSha256,
    })),
    keys,
    platforms: Object.fromEntries(platforms.flatMap((p) => (locked[p] ? [[p, locked[p]]] : []))),
  };
}
