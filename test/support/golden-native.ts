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

/** What ccdc58d (before issue 11's redesign) made from these inputs, and every commit since. */
export const GOLDEN = {
  index: 'sha256:25b40f5ef809abf46674fdc19d137fcaf2f5a88538b088471bc162b70bf544d2',
  archive: '7ea199b992697584d7dbb61cb26ce2533885faa2fbe0a7a3972a81f8b5f5656b',
  images: [
    {
      platform: 'linux/amd64',
      digest: 'sha256:611656b91347ad2fb3948faee217fc70ffbed1e3b372f186e0c3032889d0f6d9',
    },
    {
      platform: 'linux/arm64',
      digest: 'sha256:7c19cfeeb874e15d8b6327bc49ff528cf2f5ea6a80a776d3c8a31246d420451f',
    },
  ],
};

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
