/**
 * The native engine: kubox.yaml -> OCI image with no Docker daemon and
 * nothing run inside the image. The base is pulled by digest, packages and
 * wheels come from the lock (resolved first when there is none, or when the
 * spec changed), each layer is cached by the digest of its inputs, and every
 * platform lands in one index. Same spec + same lock = same index digest.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir, ContentCache } from '../../cache.js';
import { readDeb } from '../../debian/deb.js';
import { KuboxError } from '../../errors.js';
import { run } from '../../exec.js';
import { writeFileAtomic } from '../../fs.js';
import { kuboxVersion } from '../../version.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import type { BaseTree } from '../../oci/base-tree.js';
import type { FileEntry } from '../../oci/file-entry.js';
import { appendLayers, canonicalJson, manifestFor } from '../../oci/image-build.js';
import { whiteout, writeLayer, type LayerBlob } from '../../oci/layer.js';
import {
  blobPath,
  createLayout,
  openLayout,
  packLayout,
  writeBlob,
  writeIndex,
} from '../../oci/layout.js';
import { parseReference, qualifiedName } from '../../oci/reference.js';
import { MediaType, type Descriptor } from '../../oci/types.js';
import { installWheel } from '../../python/wheel.js';
import type { Plan } from '../../plan/plan.js';
import { wheelArch } from '../../python/target.js';
import { pushLayout } from '../../registry/push.js';
import { buildLabels } from '../buildx/argv.js';
import { buildRequest, checkOptions, type BuildOptions, type BuildResult } from '../options.js';
import {
  binaryLayer,
  dearmor,
  debLayer,
  repositoryFiles,
  stateLayer,
  userLayer,
  type DebInput,
} from './assemble.js';
import { baseTree, pullBase, type BaseImage } from './base.js';
import { parseDpkgFilters } from './dpkg-filter.js';
import { baseFacts, type BaseFacts } from './facts.js';
import {
  changedInputs,
  lockInputs,
  lockPath,
  readLock,
  samePins,
  writeLock,
  type Lock,
  type LockedDeb,
} from './lock.js';
import { resolveLock } from './resolve.js';
import { scriptEffects } from '../../native/maintscripts.js';
import { debMeta, formatDebMeta, parseDebMeta, type DebMeta } from './deb-meta.js';
import { expandArgs } from './args.js';
import { scratchBase, scratchFacts, scratchSkeleton } from './scratch.js';
import { SCRATCH } from '../../spec/schema.js';

/**
 * Bump when the bytes a layer is made of change for the same inputs (kubox's
 * version is part of the key too): old cache entries then miss.
 */
const LAYER_FORMAT = 3;

interface PlatformBase {
  image: BaseImage;
  tree: BaseTree;
  facts: BaseFacts;
}

async function loadBases(
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

/**
 * A repository's signing key decides which packages are trusted; one that
 * changed under the same URL is refused on a build's silent re-resolution.
 * `kubox lock` is how a user accepts a rotated key.
 */
function keepKeys(before: Lock, after: Lock): void {
  for (const k of after.keys) {
    const old = before.keys.find((o) => o.name === k.name && o.url === k.url);
    if (old && old.sha256 !== k.sha256)
      throw new KuboxError(
        'integrity',
        `the signing key of apt repository "${k.name}" changed (${k.url}: sha256 ${old.sha256} in kubox.lock, ${k.sha256} now)`,
        {
          hint: 'check with the repository that the key was rotated, then run `kubox lock` to accept it',
        },
      );
  }
}

/** The lock to build from: the existing one when it answers this spec, else a fresh resolution. */
async function lockFor(
  plan: Plan,
  args: Record<string, string>,
  bases: readonly PlatformBase[],
  cache: ContentCache,
  opts: BuildOptions,
  log: (m: string) => void,
): Promise<{ lock: Lock; path: string; written: boolean }> {
  const cwd = opts.cwd ?? process.cwd();
  const path = lockPath(opts.specSource ?? join(cwd, 'kubox.yaml'), cwd);
  const existing = await readLock(path);
  const inputs = lockInputs(plan.spec, args);
  const changed = existing ? changedInputs(existing.inputs, inputs) : [];
  // A platform built with --platform but not in the spec's platforms is not in the lock either.
  const missing = existing ? bases.filter((b) => !existing.platforms[b.image.platform]) : [];
  if (missing.length > 0)
    changed.push(`platforms (${missing.map((b) => b.image.platform).join(', ')} not locked)`);
  if (existing && changed.length === 0) return { lock: existing, path, written: false };
  if (opts.locked) {
    throw new KuboxError(
      'lock',
      existing
        ? `${path} does not match the spec: ${changed.join(', ')} changed`
        : `--locked, but there is no ${path}`,
      {
        hint:
          missing.length > 0
            ? 'add the platform to platforms: in kubox.yaml and run `kubox lock`'
            : 'run `kubox lock` and commit kubox.lock, or build without --locked',
      },
    );
  }
  log(existing ? `spec changed (${changed.join(', ')}): resolving again` : `no ${path}: resolving`);
  const info = await sourceInfo(cwd);
  const lock = await resolveLock({
    spec: plan.spec,
    args,
    bases,
    cache,
    // A lock keeps its epoch when it is resolved again: file times stay put, and so do
    // the cached layers whose packages did not change.
    sourceDateEpoch: existing?.sourceDateEpoch ?? buildEpoch(process.env, info),
    log,
  });
  if (existing) keepKeys(existing, lock);
  await writeLock(path, lock);
  log(`wrote ${path}`);
  return { lock, path, written: true };
}

/**
 * `kubox lock`: resolve again from the current sources and rewrite the lock.
 * When nothing but the time would change, the lock file is left as it is.
 */
export async function refreshLock(
  plan: Plan,
  opts: Pick<BuildOptions, 'buildArgs' | 'specSource' | 'cwd' | 'cacheDir' | 'log'> = {},
): Promise<{ path: string; lock: Lock; changed: boolean }> {
  const cwd = opts.cwd ?? process.cwd();
  const log = opts.log ?? (() => {});
  checkOptions(plan, opts);
  const args = { ...plan.spec.args, ...(opts.buildArgs ?? {}) };
  const root = opts.cacheDir ?? cacheDir();
  const path = lockPath(opts.specSource ?? join(cwd, 'kubox.yaml'), cwd);
  const existing = await readLock(path);
  const bases = await loadBases(plan, plan.spec.platforms, root);
  const lock = await resolveLock({
    spec: plan.spec,
    args,
    bases,
    cache: new ContentCache(join(root, 'blobs')),
    sourceDateEpoch: existing?.sourceDateEpoch ?? buildEpoch(process.env, await sourceInfo(cwd)),
    log,
  });
  if (existing && samePins(existing, lock)) return { path, lock: existing, changed: false };
  await writeLock(path, lock);
  return { path, lock, changed: true };
}

/** A layer from the cache when its inputs were built before, else built and remembered. */
interface LayerContent {
  entries: FileEntry[];
  /** Kept with the cached layer, so a cache hit reports them as the first build did. */
  warnings?: string[];
}

async function cachedLayer(
  root: string,
  key: unknown,
  build: () => Promise<LayerContent>,
  mtime: number,
): Promise<{ blob?: LayerBlob; warnings: string[]; cached: boolean }> {
  const id = createHash('sha256')
    // Every file's mtime is the epoch: it is an input like the packages are.
    .update(JSON.stringify({ format: LAYER_FORMAT, kubox: kuboxVersion(), mtime, key }))
    .digest('hex');
  const record = join(root, 'layers', `${id}.json`);
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
}

/**
 * Debian packages spread over a fixed number of layers by a stable hash of
 * their name: adding or upgrading one package rebuilds (and pushes) the one
 * layer it falls in, not all of them, and the layers compress in parallel.
 * The resolver's order (dependencies first) is kept inside each layer.
 */
export const DEBIAN_LAYERS = 8;
export function debianBuckets<T extends { name: string }>(
  debs: readonly T[],
): { bucket: number; debs: T[] }[] {
  const buckets: T[][] = Array.from({ length: DEBIAN_LAYERS }, () => []);
  for (const d of debs) {
    const h = createHash('sha256').update(d.name).digest().readUInt32BE(0);
    buckets[h % DEBIAN_LAYERS]!.push(d);
  }
  return buckets.map((b, bucket) => ({ bucket, debs: b })).filter((b) => b.debs.length > 0);
}

interface BuiltPlatform {
  platform: string;
  descriptor: Descriptor;
  layers: { digest: string; createdBy: string; cached: boolean }[];
  warnings: string[];
}

async function buildPlatform(
  plan: Plan,
  base: PlatformBase,
  lock: Lock,
  files: Map<string, string>,
  keyrings: Map<string, Uint8Array>,
  args: Record<string, string>,
  epoch: number,
  labels: Record<string, string>,
  root: string,
): Promise<BuiltPlatform> {
  const { image, tree, facts } = base;
  const locked = lock.platforms[image.platform]!;
  if (locked.base.manifest !== image.manifestDescriptor.digest)
    throw new KuboxError(
      'lock',
      `kubox.lock was resolved against base manifest ${locked.base.manifest} for ${image.platform}, but the base now gives ${image.manifestDescriptor.digest}`,
      { hint: 'run `kubox lock` to resolve again' },
    );
  // From scratch there is no manifest; the platform's skeleton (merged /usr) is the base.
  const baseKey =
    plan.spec.base === SCRATCH ? `scratch:${image.platform}` : image.manifestDescriptor.digest;
  const warnings: string[] = [];
  const filters = parseDpkgFilters(facts.dpkgFilters);

  // Each .deb is read at most once, and only for the layers that miss the cache.
  const reads = new Map<string, Promise<DebInput>>();
  const readOne = (d: LockedDeb) => {
    let p = reads.get(d.sha256);
    if (!p) {
      p = readFile(files.get(d.sha256)!).then(async (bytes) => ({
        name: d.name,
        architecture: d.architecture,
        source: d.source,
        deb: await readDeb(bytes, `${d.name}_${d.version}_${d.architecture}.deb`),
      }));
      reads.set(d.sha256, p);
    }
    return p;
  };
  const readAll = (debs: readonly LockedDeb[]) => Promise.all(debs.map(readOne));
  const metaOf = async (d: LockedDeb): Promise<DebMeta> => {
    const path = join(
      root,
      'derived',
      `debmeta-${LAYER_FORMAT}-${kuboxVersion()}`,
      `${d.sha256}.json`,
    );
    if (existsSync(path)) return parseDebMeta(await readFile(path, 'utf8'));
    const { deb } = await readOne(d);
    const meta = debMeta(d.name, d.architecture, deb);
    await writeFileAtomic(path, formatDebMeta(meta));
    return meta;
  };
  const fromDebian = (s: string) => s === 'debian' || s.startsWith('debian-');
  // System users packages' postinsts add (adduser --system), in install order.
  const systemUsers = (await Promise.all(locked.debs.map(metaOf))).flatMap(
    (m) => scriptEffects(m.name, m.control, m.paths).systemUsers,
  );
  const debianDebs = locked.debs.filter((d) => fromDebian(d.source));
  const repoDebs = locked.debs.filter((d) => !fromDebian(d.source));

  const specs: { createdBy: string; key: unknown; build: () => Promise<LayerContent> }[] = [
    ...(plan.spec.base === SCRATCH
      ? [
          {
            createdBy: 'kubox: root filesystem skeleton (merged /usr)',
            key: ['skeleton', image.platform],
            build: async () => ({ entries: scratchSkeleton(image.platform) }),
          },
        ]
      : []),
    ...debianBuckets(debianDebs).map(({ bucket, debs }) => ({
      createdBy: `kubox: Debian packages ${debs.map((d) => d.name).join(' ')}`,
      key: ['debian', bucket, baseKey, debs.map((d) => d.sha256)],
      build: async () => ({ entries: debLayer(await readAll(debs), tree, facts, filters) }),
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
      build: async () => ({
        entries: [
          ...debLayer(await readAll(repoDebs), tree, facts, filters),
          ...repositoryFiles(
            plan.spec.apt.repositories.map((r) => ({
              name: r.name,
              url: expandArgs(r.url, args, `apt.repositories (${r.name}).url`),
              suite: r.suite,
              components: r.components,
              keyring: keyrings.get(r.name)!,
            })),
          ),
        ],
      }),
    },
    {
      createdBy: `kubox: binaries ${plan.spec.binaries.map((b) => b.name).join(', ')}`,
      key: [
        'binaries',
        baseKey,
        plan.spec.binaries.map((b, i) => [b.dest, b.mode, locked.binaries[i]!.sha256]),
      ],
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
      build: async () => {
        if (locked.wheels.length === 0) return { entries: [] };
        const target = { ...facts.python!, arch: wheelArch(image.platform) };
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
    {
      createdBy: 'kubox: package state (dpkg database, alternatives, CA certificates)',
      key: ['state', baseKey, locked.debs.map((d) => d.sha256)],
      build: async () =>
        stateLayer(await Promise.all(locked.debs.map(metaOf)), tree, facts, filters),
    },
    {
      createdBy: `kubox: user ${plan.user.name} (${plan.user.uid}:${plan.user.gid}), workdir ${plan.spec.workdir}, no apt lists`,
      key: ['user', baseKey, plan.user, plan.spec.workdir, systemUsers],
      build: async () => ({ entries: userLayer(plan, tree, facts, epoch, systemUsers) }),
    },
  ];

  // Independent layers compress in parallel on zlib's thread pool; their order stays the spec's.
  const got = await Promise.all(specs.map((s) => cachedLayer(root, s.key, s.build, epoch)));
  const layers: { blob: LayerBlob; createdBy: string; cached: boolean }[] = [];
  got.forEach((g, i) => {
    warnings.push(...g.warnings);
    if (g.blob) layers.push({ blob: g.blob, createdBy: specs[i]!.createdBy, cached: g.cached });
  });

  const created = new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const config = appendLayers(image.config, layers, {
    created,
    user: `${plan.user.uid}:${plan.user.gid}`,
    workdir: plan.spec.workdir,
    cmd: plan.spec.cmd,
    env: plan.spec.env,
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
        variant: image.config.variant as string,
      }
    : { os: image.config.os, architecture: image.config.architecture };
  return {
    platform: image.platform,
    descriptor: {
      mediaType: MediaType.ociManifest,
      digest: manifestDigest,
      size: manifestBytes.length,
      platform: platformField,
    },
    layers: layers.map((l) => ({
      digest: l.blob.digest,
      createdBy: l.createdBy,
      cached: l.cached,
    })),
    warnings,
  };
}

async function storeBlob(root: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await mkdir(dirname(blobPath(root, digest)), { recursive: true });
  await writeBlob(root, digest, bytes);
  return digest;
}

/** An OCI layout of just this image, its blobs hard-linked from the cache (copied across devices). */
async function layoutOf(
  root: string,
  dir: string,
  indexDigest: string,
  indexSize: number,
  blobs: Iterable<string>,
  name?: string,
) {
  await createLayout(dir);
  for (const digest of new Set(blobs)) {
    const from = blobPath(root, digest);
    const to = blobPath(dir, digest);
    await link(from, to).catch(() => copyFile(from, to));
  }
  await writeIndex(dir, {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: MediaType.ociIndex,
        digest: indexDigest,
        size: indexSize,
        // As BuildKit writes them: docker load names the image after io.containerd.image.name.
        ...(name
          ? {
              annotations: {
                'io.containerd.image.name': qualifiedName(parseReference(name)),
                'org.opencontainers.image.ref.name': parseReference(name).tag ?? 'latest',
              },
            }
          : {}),
      },
    ],
  });
}

export async function buildNative(plan: Plan, opts: BuildOptions = {}): Promise<BuildResult> {
  const { cwd, log, platforms, output, tags } = buildRequest(plan, opts);
  const args = { ...plan.spec.args, ...(opts.buildArgs ?? {}) };
  const root = opts.cacheDir ?? cacheDir();
  const cache = new ContentCache(join(root, 'blobs'));

  // The lock covers every platform of the spec, whatever subset this build makes.
  const lockPlatforms = [...new Set([...plan.spec.platforms, ...platforms])];
  log(`native engine: reading base ${plan.spec.base} (${lockPlatforms.join(', ')})`);
  const bases = await loadBases(plan, lockPlatforms, root);
  const { lock, path: lockFile, written } = await lockFor(plan, args, bases, cache, opts, log);

  const epochEnv = process.env.SOURCE_DATE_EPOCH;
  const epoch = epochEnv && /^\d+$/.test(epochEnv) ? Number(epochEnv) : lock.sourceDateEpoch;

  // Everything the lock names, by sha256, in parallel; cached files are not fetched again.
  const wanted = bases.filter((b) => platforms.includes(b.image.platform));
  const items = [
    ...lock.keys.map((k) => ({ url: k.url, sha256: k.sha256, what: `${k.name} signing key` })),
    ...wanted.flatMap((b) => {
      const p = lock.platforms[b.image.platform];
      if (!p)
        throw new KuboxError('lock', `kubox.lock has no ${b.image.platform}`, {
          hint: 'run `kubox lock`',
        });
      return [
        ...p.debs.map((d) => ({
          url: d.url,
          sha256: d.sha256,
          size: d.size,
          what: `${d.name}_${d.version}_${d.architecture}.deb`,
        })),
        ...p.binaries.map((x) => ({ url: x.url, sha256: x.sha256, what: x.name })),
        ...p.wheels.map((w) => ({ url: w.url, sha256: w.sha256, what: w.filename })),
      ];
    }),
  ];
  const files = await cache.fetchAll(items, opts.onProgress ? { progress: opts.onProgress } : {});
  const keyrings = new Map<string, Uint8Array>();
  for (const k of lock.keys)
    keyrings.set(k.name, await dearmor(await readFile(files.get(k.sha256)!)));

  const info = await sourceInfo(cwd);
  const labels = { ...plan.labels, ...buildLabels(new Date(epoch * 1000), info.revision) };
  log(`assembling ${wanted.map((b) => b.image.platform).join(', ')}`);
  // One platform at a time: each already keeps every core busy with its layers, and
  // holding two platforms' unpacked packages at once would double the peak memory.
  const built: BuiltPlatform[] = [];
  for (const b of wanted)
    built.push(await buildPlatform(plan, b, lock, files, keyrings, args, epoch, labels, root));

  const index = {
    schemaVersion: 2 as const,
    mediaType: MediaType.ociIndex,
    manifests: built.map((b) => b.descriptor),
  };
  const indexBytes = canonicalJson(index);
  const indexDigest = await storeBlob(root, indexBytes);
  const blobs = [
    indexDigest,
    ...built.flatMap((b) => [b.descriptor.digest]),
    ...(
      await Promise.all(
        built.map(async (b) => {
          const m = JSON.parse(await readFile(blobPath(root, b.descriptor.digest), 'utf8')) as {
            config: Descriptor;
            layers: Descriptor[];
          };
          return [m.config.digest, ...m.layers.map((l) => l.digest)];
        }),
      )
    ).flat(),
  ];

  const work = await mkdtemp(join(tmpdir(), 'kubox-native-'));
  try {
    const dir = join(work, 'layout');
    await layoutOf(root, dir, indexDigest, indexBytes.length, blobs, tags[0]);
    if (output.type === 'oci') {
      await packLayout(dir, output.path);
    } else if (output.type === 'push') {
      log(`pushing ${tags.join(', ')}`);
      // pushLayout mounts the base's layers from the repository the base.name label names.
      await pushLayout(await openLayout(dir), tags, { log });
    } else {
      const archive = join(work, 'image.oci.tar');
      await packLayout(dir, archive);
      const res = await run('docker', ['load', '--input', archive]);
      if (res.exitCode !== 0)
        throw new KuboxError('build-failed', `docker load failed: ${res.stderr.trim()}`, {
          hint: 'is a Docker engine running? Without one, write an archive (--output oci:PATH) or --push',
        });
      for (const t of tags) {
        // docker load names the image after the archive's ref.name; tag the rest.
        if (t === tags[0]) continue;
        const tagged = await run('docker', ['tag', tags[0]!, t]);
        if (tagged.exitCode !== 0)
          throw new KuboxError('build-failed', `docker tag ${t} failed: ${tagged.stderr.trim()}`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const warnings = [...new Set(built.flatMap((b) => b.warnings))];
  return {
    output,
    tags,
    platforms,
    builder: 'native',
    engine: 'native',
    digest: indexDigest,
    images: built.map((b) => ({ platform: b.platform, digest: b.descriptor.digest })),
    labels,
    warnings,
    lock: { path: lockFile, written },
  };
}
