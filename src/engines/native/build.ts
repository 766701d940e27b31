/**
 * The native engine: kubox.yaml -> OCI image with no Docker daemon and
 * nothing run inside the image. The base is pulled by digest, packages and
 * wheels come from the lock (resolved first when there is none, or when the
 * spec changed), each platform's layers come from the cache or are built
 * (platform-image.ts), and every platform lands in one index. Same spec +
 * same lock = same index digest.
 */
import { copyFile, link, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, ContentCache } from '../../cache.js';
import { KuboxError } from '../../errors.js';
import { fetchAll } from '../../http/download.js';
import { HttpError } from '../../http/error.js';
import { run } from '../../exec.js';
import { buildEpoch, sourceInfo } from '../../git.js';
import { canonicalJson, indexFor } from '../../oci/image-build.js';
import { blobPath, createLayout, openLayout, packLayout, writeIndex } from '../../oci/layout.js';
import { parseReference, qualifiedName } from '../../oci/reference.js';
import { MediaType } from '../../oci/types.js';
import type { Plan } from '../../plan/plan.js';
import { pushLayout, type PushResult } from '../../registry/push.js';
import { buildLabels } from '../buildx/argv.js';
import { diagnoseDockerVersion } from '../buildx/diagnose.js';
import { buildRequest, type BuildOptions, type BuildResult } from '../options.js';
import { dearmor } from './assemble.js';
import { loadBases } from './base.js';
import { lockFor, lockState } from './locking.js';
import { buildPlatform, storeBlob, type BuiltPlatform } from './platform-image.js';

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
  // --load needs a Docker engine: say so before the work, not after it.
  if (output.type === 'load') {
    const err = diagnoseDockerVersion(
      await run('docker', ['version', '--format', '{{.Server.Version}}']),
    );
    if (err) throw err;
  }

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
  const wanted = bases.filter((b) => platforms.includes(b.image.platform));
  const items = [
    ...lock.keys.map((k) => ({ url: k.url, sha256: k.sha256, what: `${k.name} signing key` })),
    ...wanted.flatMap((b) => {
      const p = lock.platforms[b.image.platform]!; // lockFor re-resolves a lock without it
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
  const labels = { ...plan.labels, ...buildLabels(new Date(epoch * 1000), info.revision) };
  log(`assembling ${wanted.map((b) => b.image.platform).join(', ')}`);
  // One platform at a time: each already keeps every core busy with its layers, and
  // holding two platforms' unpacked packages at once would double the peak memory.
  const built: BuiltPlatform[] = [];
  for (const b of wanted) {
    const one = await buildPlatform(plan, b, lock, files, keyrings, args, epoch, labels, root);
    const fresh = one.layers.filter((l) => !l.cached).length;
    log(`${one.platform}: ${fresh} of ${one.layers.length} layers built, the rest from the cache`);
    built.push(one);
  }

  const indexBytes = canonicalJson(indexFor(built.map((b) => b.descriptor)));
  const indexDigest = await storeBlob(root, indexBytes);
  const blobs = [indexDigest, ...built.flatMap((b) => b.blobs)];

  let pushed: PushResult | undefined;
  const work = await mkdtemp(join(tmpdir(), 'kubox-native-'));
  try {
    const dir = join(work, 'layout');
    await layoutOf(root, dir, indexDigest, indexBytes.length, blobs, tags[0]);
    if (output.type === 'oci') {
      await packLayout(dir, output.path);
    } else if (output.type === 'push') {
      log(`pushing ${tags.join(', ')}`);
      // pushLayout mounts the base's layers from the repository the base.name label names.
      pushed = await pushLayout(await openLayout(dir), tags, { log });
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
    ...(pushed ? { pushed: pushed.blobs } : {}),
  };
}
