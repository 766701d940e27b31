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
 * redesign) and every commit of the redesign made index sha256:25b40f5e...
 * (archive 7ea199b9...). Changed on purpose since (issue 12): apt's
 * extended_states (golden-lib is Auto-Installed), then each package's dpkg
 * info files moved into its own layer.
 */
export const GOLDEN = {
  index: 'sha256:4e39a995efa2141ee32c5aa92981ab74b1eee5cd5f3854c70dd0bb1b15568424',
  archive: 'a354e9036ecf5da149715a576de194e96cd60099be21ac9822352f86f21532b0',
  images: [
    {
      platform: 'linux/amd64',
      digest: 'sha256:1514fc256ca321bbae4b4e3bc6d0606ddeb2d510271b3a3245e6cb6937ad9a4d',
    },
    {
      platform: 'linux/arm64',
      digest: 'sha256:f942e11bd56d6114d0e29bcb0862802f7d8181776110f619a95bfbf08ef1aa55',
    },
  ],
};

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
