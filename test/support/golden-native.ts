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
 * info files moved into its own layer, then maintainer-script effects:
 * golden-lib's postinst `mkdir -p /var/lib/golden-lib` is applied (the
 * directory is in the state layer; it was a warning before), then both
 * packages, being `Architecture: all`, moved into layers every platform
 * shares (issue 17), beside dpkg's doc-folder rule and the ld.so.cache step.
 */
export const GOLDEN = {
  index: 'sha256:562c86f9afb51fb965ba77fc00b37ec0cafaca11b2237ae0d61831953eabe220',
  archive: 'f9658525f0a9d7b973cb9fac436d6f8c999a93f446ac6d020d16950fd037bfe1',
  images: [
    {
      platform: 'linux/amd64',
      digest: 'sha256:47320c37954e5a3d9f16a0968c630031d32a744b5e12690f1701187248250859',
    },
    {
      platform: 'linux/arm64',
      digest: 'sha256:92dc29dfd1a358e6555b14e16de00f9838cdec0bd52fd8e51304eddb6b1fd876',
    },
  ],
};

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
