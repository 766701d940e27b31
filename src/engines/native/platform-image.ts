/**
 * One platform's image: the layers the native engine appends to the base,
 * each cached by the digest of its inputs, then its config and manifest.
 * Layers are split by how often they change (Debian packages over a few
 * layers, extra repositories, binaries, Python packages, package state, the
 * user), so a change rebuilds only the layers it touches.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KuboxError } from '../../errors.js';
import { writeFileAtomic } from '../../fs.js';
import type { FileEntry } from '../../oci/file-entry.js';
import { appendLayers, canonicalJson, manifestFor } from '../../image/append.js';
import { whiteout, writeLayer, type LayerBlob } from '../../image/write-layer.js';
import { layoutSource } from '../../image/layout-dir.js';
import type { Image } from '../../image/model.js';
import { readImage } from '../../image/source.js';
import { blobPath, storeBlob } from '../../oci/layout.js';
import { MediaType } from '../../oci/types.js';
import type { Plan } from '../../plan/plan.js';
import { wheelArch } from '../../python/target.js';
import { installWheel } from '../../python/wheel.js';
import { limiter } from '../../pool.js';
import { SCRATCH } from '../../spec/schema.js';
import { kuboxVersion } from '../../version.js';
import { expandArgs } from './args.js';
import {
  binaryLayer,
  debLayer,
  repositoryFiles,
  scriptDebs,
  stateLayer,
  systemAccounts,
  userLayer,
} from './assemble.js';
import type { PlatformBase } from './base.js';
import { ldCacheLayerEntries, ldSoCache, readBaseLdFacts } from './ld-cache-entry.js';
import { baseViewDigest, byArchitecture } from './shared-layer.js';
import type { DebReader } from './deb-reader.js';
import { parseDpkgFilters } from './dpkg-filter.js';
import type { Lock, LockedDeb } from './lock.js';
import { DEFAULT_PATH, scratchSkeleton } from './scratch.js';
import { targetArch } from '../../oci/platform.js';
import { RUN_SHELL } from '../../spec/constants.js';

/**
 * Bump when the bytes a layer is made of change for the same inputs (kubox's
 * version is part of the key too): old cache entries then miss.
 */
// 5: console-script launchers in single quotes, as pip writes them; 6: each package's dpkg
// info files in its own layer, hard links to filtered paths copied, existing dirs kept as they are;
// 8: maintainer scripts' file effects (mkdir, chown, chmod, statoverride, diversions, system
// users' homes) in the state layer, fresh-install conditions evaluated, adduser's shadow line
// (7 was a development state that left the base's diversions out); 9: dpkg filters bring back
// directories and symlinks an include could reach, ld.so.cache in the state layer, subuid and
// subgid ranges and /run/adduser, Architecture: all packages in layers shared by every platform.
const LAYER_FORMAT = 9;

interface LayerContent {
  entries: FileEntry[];
  /** Kept with the cached layer, so a cache hit reports them as the first build did. */
  warnings?: string[];
}

type CachedLayer = { blob?: LayerBlob; warnings: string[]; cached: boolean };
/** Layers being built now, by record path: platforms built at once share an arch-all layer. */
const building = new Map<string, Promise<CachedLayer>>();

/**
 * Layers built at once, over every platform of the build. Each holds its
 * inputs unpacked while it is built (a package layer its .debs' files, the
 * Python layer every wheel's), so their estimated sizes (`cost`) together stay
 * under a budget: that bounds memory. Three at once keep two cores busy, since
 * each alternates between the main thread (tar) and zlib's and xz's threads.
 * The costliest waiting layer starts first: the longest ones must not be left
 * for the end, with one core idle beside them.
 */
const LAYERS_AT_ONCE = 3;
const LAYER_BUDGET = 128 << 20;
const layerSlots = limiter(LAYERS_AT_ONCE, LAYER_BUDGET);

function cachedLayer(
  root: string,
  key: unknown,
  build: () => Promise<LayerContent>,
  mtime: number,
  cost: number,
): Promise<CachedLayer> {
  const id = createHash('sha256')
    // Every file's mtime is the epoch: it is an input like the packages are.
    .update(JSON.stringify({ format: LAYER_FORMAT, kubox: kuboxVersion(), mtime, key }))
    .digest('hex');
  const record = join(root, 'layers', `${id}.json`);
  let pending = building.get(record);
  if (!pending) {
    pending = cachedLayerAt(root, record, build, mtime, cost).finally(() =>
      building.delete(record),
    );
    building.set(record, pending);
  }
  return pending;
}

async function cachedLayerAt(
  root: string,
  record: string,
  build: () => Promise<LayerContent>,
  mtime: number,
  cost: number,
): Promise<CachedLayer> {
  if (existsSync(record)) {
    const saved = JSON.parse(await readFile(record, 'utf8')) as {
      blob: Omit<LayerBlob, 'path'> | null;
      warnings: string[];
    };
    if (saved.blob === null) return { warnings: saved.warnings, cached: true };
    const path = blobPath(root, saved.blob.digest);
    if (existsSync(path))
      return { blob: { ...saved.blob, path }, warnings: saved.warnings, cached: true };
  }
  return layerSlots(async () => {
    const { entries, warnings = [] } = await build();
    let blob: LayerBlob | undefined;
    if (entries.length > 0) {
      const dir = join(root, 'blobs', 'sha256');
      await mkdir(dir, { recursive: true });
      blob = await writeLayer(entries, { dir, mtime });
    }
    const saved = blob ? { digest: blob.digest, diffId: blob.diffId, size: blob.size } : null;
    await writeFileAtomic(record, JSON.stringify({ blob: saved, warnings }));
    return { ...(blob ? { blob } : {}), warnings, cached: false };
  }, cost);
}

/**
 * Debian packages spread over a fixed number of layers by a stable hash of
 * their name: adding or upgrading one package rebuilds (and pushes) the one
 * layer it falls in, not all of them, and the layers compress in parallel.
 * The resolver's order (dependencies first) is kept inside each layer.
 */
export const DEBIAN_LAYERS = 8;
/** Layers for `Architecture: all` packages: few and large (vim-runtime), the same for every platform. */
export const SHARED_DEBIAN_LAYERS = 2;
export function debianBuckets<T extends { name: string }>(
  debs: readonly T[],
  count = DEBIAN_LAYERS,
): { bucket: number; debs: T[] }[] {
  const buckets: T[][] = Array.from({ length: count }, () => []);
  for (const d of debs) {
    const h = createHash('sha256').update(d.name).digest().readUInt32BE(0);
    buckets[h % count]!.push(d);
  }
  return buckets.map((b, bucket) => ({ bucket, debs: b })).filter((b) => b.debs.length > 0);
}

/** One platform built: the image, as kubox's cache holds it, and what the build says about it. */
export interface BuiltPlatform {
  platform: string;
  /** Its descriptor carries the platform, as the index lists it. */
  image: Image;
  /** kubox's layers, for the log: what each holds and whether the cache had it. */
  layers: { digest: string; createdBy: string; cached: boolean }[];
  warnings: string[];
}

export async function buildPlatform(
  plan: Plan,
  base: PlatformBase,
  lock: Lock,
  files: Map<string, string>,
  /** Shared by the platforms of the build: an arch-all .deb is read once for all of them. */
  debs: DebReader,
  keyrings: Map<string, Uint8Array>,
  args: Record<string, string>,
  /** File times: the lock's epoch, or SOURCE_DATE_EPOCH. */
  epoch: number,
  /** The config's `created`: as buildx takes it (SOURCE_DATE_EPOCH, else the commit time). */
  createdEpoch: number,
  labels: Record<string, string>,
  root: string,
): Promise<BuiltPlatform> {
  const { platform, image, tree, facts } = base;
  const locked = lock.platforms[platform]!;
  // What `apt-get install` is asked for by name; the rest of the debs come as dependencies.
  const requested = new Set(
    [...plan.spec.apt.packages, ...plan.spec.apt.repositories.flatMap((r) => r.packages)].map(
      (p) => (typeof p === 'string' ? p : p.name).split('=')[0]!,
    ),
  );
  if (locked.base.manifest !== image.descriptor.digest)
    throw new KuboxError(
      'lock',
      `kubox.lock was resolved against base manifest ${locked.base.manifest} for ${platform}, but the base now gives ${image.descriptor.digest}`,
      { hint: 'run `kubox lock` to resolve again' },
    );
  // From scratch there is no manifest; the platform's skeleton (merged /usr) is the base.
  const baseKey = plan.spec.base === SCRATCH ? `scratch:${platform}` : image.descriptor.digest;
  const warnings: string[] = [];
  const filters = parseDpkgFilters(facts.dpkgFilters);

  // A .deb is read once for its layer and its dpkg metadata, and dropped when its layer is
  // built: a platform's unpacked packages are never all held at once.
  const { readAll, release, metaOf } = debs;
  // Whatever is not one of the spec's extra repositories came from Debian's own sources.
  const extra = new Set(plan.spec.apt.repositories.map((r) => r.name));
  const fromDebian = (s: string) => !extra.has(s);
  const debianDebs = byArchitecture(locked.debs.filter((d) => fromDebian(d.source)));
  const repoDebs = locked.debs.filter((d) => !fromDebian(d.source));
  // Architecture-independent packages are keyed by the part of the base their unpacking
  // consults, not by the platform's base: every platform then shares one blob for them.
  // Their metadata is read first (on a cold cache, by unpacking them): the other layers start
  // meanwhile, since only these layers' keys wait for it.
  const sharedMetas = Promise.all(
    debianDebs.shared.map(async (d) => [d.sha256, await metaOf(d)] as const),
  ).then((metas) => new Map(metas));
  const sharedKey = async (debs: readonly LockedDeb[]) => {
    const metas = await sharedMetas;
    return baseViewDigest(
      debs.map((d) => metas.get(d.sha256)!),
      tree,
      facts.topLinks,
      filters,
    );
  };
  /** A layer of packages: their metadata taken while they are unpacked, then they are let go. */
  const packageLayer = async (debs: readonly LockedDeb[], extra: FileEntry[] = []) => {
    const [inputs, metas] = await Promise.all([readAll(debs), Promise.all(debs.map(metaOf))]);
    const both = inputs.map((input, i) => ({ input, meta: metas[i]! }));
    const entries = [...debLayer(both, tree, facts, filters), ...extra];
    release(debs);
    return { entries };
  };

  // What a layer's inputs roughly unpack to, for the order layers are built in (layerSlots): a
  // .deb's xz about 4x; a wheel's files ~3x, and their number makes each byte cost twice more.
  const sizes = new Map(
    await Promise.all(
      [...locked.wheels, ...locked.binaries].map(
        async (x) => [x.sha256, (await stat(files.get(x.sha256)!)).size] as const,
      ),
    ),
  );
  const debCost = (debs: readonly LockedDeb[]) => debs.reduce((n, d) => n + 4 * d.size, 0);
  type LayerSpec = {
    createdBy: string;
    /** What the cached layer is looked up by (JSON), or a promise of it. */
    key: unknown;
    build: () => Promise<LayerContent>;
    cost?: number;
  };
  const packageSpecs: LayerSpec[] = [
    ...(plan.spec.base === SCRATCH
      ? [
          {
            createdBy: 'kubox: root filesystem skeleton (merged /usr)',
            key: ['skeleton', platform],
            build: async () => ({ entries: scratchSkeleton(platform) }),
          },
        ]
      : []),
    ...debianBuckets(debianDebs.specific).map(({ bucket, debs }) => ({
      createdBy: `kubox: Debian packages ${debs.map((d) => d.name).join(' ')}`,
      key: ['debian', bucket, baseKey, debs.map((d) => d.sha256)],
      build: () => packageLayer(debs),
      cost: debCost(debs),
    })),
    ...debianBuckets(debianDebs.shared, SHARED_DEBIAN_LAYERS).map(({ bucket, debs }) => ({
      createdBy: `kubox: Debian packages (all architectures) ${debs.map((d) => d.name).join(' ')}`,
      key: sharedKey(debs).then((view) => ['debian-all', bucket, view, debs.map((d) => d.sha256)]),
      build: () => packageLayer(debs),
      cost: debCost(debs),
    })),
    {
      createdBy: `kubox: apt repositories ${plan.spec.apt.repositories.map((r) => r.name).join(', ')}`,
      key: [
        'repositories',
        baseKey,
        lock.keys.map((k) => k.sha256),
        plan.spec.apt.repositories.map((r) => [
          r.name,
          expandArgs(r.url, args, `apt.repositories (${r.name}).url`),
          r.suite,
          r.components,
        ]),
        repoDebs.map((d) => d.sha256),
      ],
      cost: debCost(repoDebs),
      build: () =>
        packageLayer(
          repoDebs,
          repositoryFiles(
            plan.spec.apt.repositories.map((r) => ({
              name: r.name,
              url: expandArgs(r.url, args, `apt.repositories (${r.name}).url`),
              suite: r.suite,
              components: r.components,
              keyring: keyrings.get(r.name)!,
            })),
          ),
        ),
    },
  ];
  // Layers that need no package: built beside the package layers.
  const independentSpecs: LayerSpec[] = [
    {
      createdBy: `kubox: binaries ${plan.spec.binaries.map((b) => b.name).join(', ')}`,
      key: [
        'binaries',
        baseKey,
        plan.spec.binaries.map((b, i) => [b.dest, b.mode, locked.binaries[i]!.sha256]),
      ],
      cost: locked.binaries.reduce((n, b) => n + sizes.get(b.sha256)!, 0),
      build: async () => ({
        entries: binaryLayer(
          await Promise.all(
            plan.spec.binaries.map(async (b, i) => ({
              name: b.name,
              dest: b.dest,
              mode: b.mode,
              data: await readFile(files.get(locked.binaries[i]!.sha256)!),
            })),
          ),
          tree,
        ),
      }),
    },
    {
      createdBy: `kubox: Python packages (${locked.wheels.length})`,
      key: ['python', baseKey, locked.wheels.map((w) => [w.sha256, w.requested])],
      cost: locked.wheels.reduce((n, w) => n + 6 * sizes.get(w.sha256)!, 0),
      build: async () => {
        if (locked.wheels.length === 0) return { entries: [] };
        const target = { ...facts.python!, arch: wheelArch(platform) };
        const entries: FileEntry[] = [];
        // An upgrade of something the base has: its old metadata goes, as with pip's uninstall.
        for (const w of locked.wheels) {
          const old = facts.pythonMetadataDirs.get(w.name);
          if (old && !old.endsWith(`-${w.version}.dist-info`)) entries.push(whiteout(old));
        }
        for (const w of locked.wheels)
          entries.push(
            ...installWheel(await readFile(files.get(w.sha256)!), w.filename, target, {
              installer: 'kubox',
              requested: w.requested,
            }),
          );
        return { entries };
      },
    },
  ];
  // After a failure no layer starts building: those running are awaited, then the first error
  // is thrown, so that nothing still writes into the cache when the caller hears of it.
  let failure: { error: unknown } | undefined;
  const run = async (s: LayerSpec) => {
    try {
      return await cachedLayer(
        root,
        await s.key,
        () => (failure ? Promise.reject(failure.error) : s.build()),
        epoch,
        s.cost ?? 0,
      );
    } catch (e) {
      failure ??= { error: e };
      throw e;
    }
  };
  const all = async (specs: readonly LayerSpec[]) => {
    const settled = await Promise.allSettled(specs.map(run));
    if (failure) throw failure.error;
    return settled.map((r) => (r as PromiseFulfilledResult<CachedLayer>).value);
  };
  const packages = all(packageSpecs);
  const independent = all(independentSpecs);
  await Promise.allSettled([packages, independent]);
  if (failure) throw failure.error;
  const packageGot = await packages;

  // Every package's metadata is at hand now: dpkg's state and the accounts.
  const metas = await Promise.all(locked.debs.map(metaOf));
  // System accounts packages' scripts add (adduser/addgroup --system), in the order they run.
  const systemUsers = systemAccounts(metas);
  const stateSpecs: LayerSpec[] = [
    {
      createdBy:
        'kubox: package state (dpkg database, script effects, alternatives, CA certificates, ld.so.cache)',
      key: ['state', baseKey, locked.debs.map((d) => d.sha256), [...requested].sort()],
      build: async () => {
        // The few packages whose files the scripts chown or chmod are read again for their content.
        const touched = scriptDebs(metas, tree, facts);
        const state = stateLayer(
          metas,
          tree,
          facts,
          filters,
          requested,
          targetArch(platform),
          await readAll(locked.debs.filter((d) => touched.has(d.name))),
        );
        // apt's run ends with ldconfig (libc-bin's trigger): the cache over the base's and the new libraries.
        const baseLd =
          plan.spec.base === SCRATCH
            ? { elf: new Map(), conf: new Map() }
            : await readBaseLdFacts(
                image.layers.map((l) => blobPath(root, l.digest)),
                image.descriptor.digest,
                root,
              );
        const ld = ldSoCache(tree, facts.topLinks, baseLd, metas, filters, targetArch(platform));
        return {
          entries: [...state.entries, ...ldCacheLayerEntries(ld)],
          warnings: [...state.warnings, ...ld.warnings],
        };
      },
    },
    {
      createdBy: `kubox: user ${plan.user.name} (${plan.user.uid}:${plan.user.gid}), workdir ${plan.spec.workdir}, no apt lists`,
      key: ['user', baseKey, plan.user, plan.spec.workdir, systemUsers],
      build: async () => ({ entries: userLayer(plan, tree, facts, epoch, systemUsers) }),
    },
  ];

  // Layers compress in parallel on zlib's thread pool; their order in the image stays this one.
  const specs = [...packageSpecs, ...independentSpecs, ...stateSpecs];
  const got = [...packageGot, ...(await independent), ...(await all(stateSpecs))];
  const layers: { blob: LayerBlob; createdBy: string; cached: boolean }[] = [];
  got.forEach((g, i) => {
    warnings.push(...g.warnings);
    if (g.blob) layers.push({ blob: g.blob, createdBy: specs[i]!.createdBy, cached: g.cached });
  });

  const created = new Date(createdEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const scratch = plan.spec.base === SCRATCH;
  const basePath = (image.config.config?.Env ?? []).some((e) => e.startsWith('PATH='));
  const config = appendLayers(image.config, layers, {
    created,
    user: `${plan.user.uid}:${plan.user.gid}`,
    workdir: plan.spec.workdir,
    cmd: plan.spec.cmd,
    // As BuildKit: a base without a PATH gets the default one, which its RUN used.
    env: basePath ? plan.spec.env : { PATH: DEFAULT_PATH, ...plan.spec.env },
    // The rendered Dockerfile's SHELL, which child Dockerfiles inherit (scratch has no bash to name).
    ...(scratch ? {} : { shell: [...RUN_SHELL] }),
    labels,
  });
  const configBytes = canonicalJson(config);
  const configDigest = await storeBlob(root, configBytes);
  const manifest = manifestFor(
    configDigest,
    configBytes.length,
    image.manifest.layers,
    layers.map((l) => l.blob),
  );
  const manifestBytes = canonicalJson(manifest);
  const manifestDigest = await storeBlob(root, manifestBytes);
  const platformField = image.config.variant
    ? {
        os: image.config.os,
        architecture: image.config.architecture,
        variant: image.config.variant,
      }
    : { os: image.config.os, architecture: image.config.architecture };
  const descriptor = {
    mediaType: MediaType.ociManifest,
    digest: manifestDigest,
    size: manifestBytes.length,
    platform: platformField,
  };
  return {
    platform,
    image: await readImage(layoutSource(root), descriptor, manifestBytes, manifest),
    layers: layers.map((l) => ({
      digest: l.blob.digest,
      createdBy: l.createdBy,
      cached: l.cached,
    })),
    warnings,
  };
}
