/**
 * The native engine: kubox.yaml -> OCI image with no Docker daemon and
 * nothing run inside the image. The base is pulled by digest, packages and
 * wheels come from the lock (resolved first when there is none, or when the
 * spec changed), each platform's layers come from the cache or are built
 * (platform-image.ts), and every platform lands in one index, in the cache.
 * Same spec + same lock = same index digest. Publishing is publish.ts's.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, ContentCache } from '../../cache.js';
import { KuboxError } from '../../errors.js';
import { fetchAll } from '../../http/download.js';
import { HttpError } from '../../http/error.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import { canonicalJson, describe, indexFor } from '../../image/append.js';
import { layoutSource } from '../../image/layout-dir.js';
import { openNode } from '../../image/source.js';
import { storeBlob } from '../../oci/layout.js';
import { MediaType } from '../../oci/types.js';
import type { Plan } from '../../plan/plan.js';
import { buildLabels } from '../labels.js';
import type { BuildOptions, BuildRequest, BuiltImage } from '../options.js';
import { dearmor } from './assemble.js';
import { loadBases } from './base.js';
import { lockFor, lockState } from './lock-policy.js';
import { buildPlatform } from './platform-image.js';
import { debReader } from './deb-reader.js';

export async function buildNative(
  plan: Plan,
  opts: BuildOptions,
  { cwd, log, platforms }: BuildRequest,
): Promise<BuiltImage> {
  const args = { ...plan.spec.args, ...(opts.buildArgs ?? {}) };
  const root = opts.cacheDir ?? cacheDir();
  const cache = new ContentCache(join(root, 'blobs'));

  // The lock covers every platform of the spec, whatever subset this build makes; one this
  // build does not make may be left out of it, when it cannot be resolved.
  const state = await lockState(plan, args, platforms, opts, log);
  log(`native engine: reading base ${plan.spec.base} (${state.platforms.join(', ')})`);
  const bases = await loadBases(plan, state.platforms, root);
  const {
    lock,
    path: lockFile,
    written,
  } = await lockFor(plan, args, state, bases, cache, opts, log);

  // SOURCE_DATE_EPOCH when set, else the lock's: the same lock gives the same file times.
  const epoch = buildEpoch(process.env, { commitTime: lock.sourceDateEpoch });

  // Everything the lock names, by sha256, in parallel; cached files are not fetched again.
  const wanted = bases.filter((b) => platforms.includes(b.platform));
  const items = [
    ...lock.keys.map((k) => ({ url: k.url, sha256: k.sha256, what: `${k.name} signing key` })),
    ...wanted.flatMap((b) => {
      const p = lock.platforms[b.platform]!; // lockFor re-resolves a lock without it
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
  const files = await fetchAll(
    cache,
    items,
    opts.onProgress ? { progress: opts.onProgress } : {},
  ).catch((e: unknown) => {
    // Mirrors drop superseded packages (-security, -updates): an old lock stops being fetchable.
    if (e instanceof HttpError && e.status === 404)
      throw new KuboxError('lock', `a file kubox.lock pins is gone: ${e.message}`, {
        hint: 'run `kubox lock` to pin what the mirror has now (apt.snapshot keeps pinned files fetchable)',
        cause: e,
      });
    throw e;
  });
  const keyrings = new Map<string, Uint8Array>();
  for (const k of lock.keys)
    keyrings.set(k.name, await dearmor(await readFile(files.get(k.sha256)!)));

  const info = await sourceInfo(cwd);
  // The config's `created` (and label) as buildx takes it: SOURCE_DATE_EPOCH, else the HEAD
  // commit's time; outside git, the lock's epoch. File times stay the lock's.
  const createdEpoch = buildEpoch(process.env, {
    commitTime: info.commitTime ?? lock.sourceDateEpoch,
  });
  const labels = { ...plan.labels, ...buildLabels(new Date(createdEpoch * 1000), info.revision) };
  log(`assembling ${wanted.map((b) => b.platform).join(', ')}`);
  const debs = debReader(files, root);
  // Every platform at once: one platform's work leaves cores idle (its main thread waits on
  // zlib and xz threads), and a layer both share is built once (cachedLayer).
  const built = await Promise.all(
    wanted.map(async (b) => {
      const one = await buildPlatform(
        plan,
        b,
        lock,
        files,
        debs,
        keyrings,
        args,
        epoch,
        createdEpoch,
        labels,
        root,
      );
      const fresh = one.layers.filter((l) => !l.cached).length;
      log(
        `${one.platform}: ${fresh} of ${one.layers.length} layers built, the rest from the cache`,
      );
      return one;
    }),
  );

  const indexBytes = canonicalJson(indexFor(built.map((b) => b.image.descriptor)));
  await storeBlob(root, indexBytes);
  // The image as the cache holds it: every blob is there, so the layout links them.
  const image = await openNode(
    layoutSource(root),
    describe(indexBytes, MediaType.ociIndex),
    indexBytes,
  );

  // Beside the blobs, so that a layout written there for a scan links them instead of copying.
  await mkdir(join(root, 'tmp'), { recursive: true });
  const scratch = await mkdtemp(join(root, 'tmp', 'build-'));
  return {
    image,
    scratch,
    engine: 'native',
    builder: 'native',
    images: built.map((b) => ({ platform: b.platform, digest: b.image.descriptor.digest })),
    labels,
    warnings: [...new Set(built.flatMap((b) => b.warnings))],
    lock: { path: lockFile, written },
    dispose: () => rm(scratch, { recursive: true, force: true }),
  };
}
