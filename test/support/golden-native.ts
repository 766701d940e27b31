/**
 * The golden native build's inputs (test/fixtures/golden/native) in a fresh
 * directory: its kubox.yaml and kubox.lock, and a cache that already holds
 * the two .debs the lock pins, so a `--locked` native build contacts nothing.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContentCache } from '../../src/cache.js';

export const GOLDEN_FIXTURE = fileURLToPath(new URL('../fixtures/golden/native', import.meta.url));

export async function goldenWorkdir(): Promise<{ work: string; cacheDir: string }> {
  const work = mkdtempSync(join(tmpdir(), 'kubox-golden-'));
  for (const f of ['kubox.yaml', 'kubox.lock'])
    copyFileSync(join(GOLDEN_FIXTURE, f), join(work, f));
  const cacheDir = join(work, 'cache');
  const cache = new ContentCache(join(cacheDir, 'blobs'));
  for (const f of readdirSync(GOLDEN_FIXTURE).filter((f) => f.endsWith('.deb')))
    await cache.put(readFileSync(join(GOLDEN_FIXTURE, f)));
  return { work, cacheDir };
}

/** Runs `fn` without SOURCE_DATE_EPOCH, which would (rightly) override the lock's epoch. */
export async function withoutSourceDateEpoch<T>(fn: () => Promise<T>): Promise<T> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  delete process.env.SOURCE_DATE_EPOCH;
  try {
    return await fn();
  } finally {
    if (epoch !== undefined) process.env.SOURCE_DATE_EPOCH = epoch;
  }
}

/**
 * What the native engine makes from these inputs. ccdc58d (before issue 11's
 * redesign) made the same until apt's extended_states was written (issue 12:
 * golden-lib is Auto-Installed), the one intended change since:
 * index sha256:25b40f5e..., archive 7ea199b9....
 */
export const GOLDEN = {
  index: 'sha256:c0ce65f745cee07f4914ff1c7f046fe285ce883b058be718f645d25eb213738f',
  archive: '63738629b0c72901e13b7c3dc3caa6ad9fb1384900643c07c460a0be918165ca',
  images: [
    {
      platform: 'linux/amd64',
      digest: 'sha256:64c07fc1cba1220fc1c377f6c7987159762c60f72ad96cd5a0db43f2dbed6fe6',
    },
    {
      platform: 'linux/arm64',
      digest: 'sha256:2f111f4a17bbcaea5db3cf34160bcb2e4931b86f2d2d3089738d2d4506c43f09',
    },
  ],
};

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
