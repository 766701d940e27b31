/**
 * The golden native build: fixed inputs (test/fixtures/golden/native: a spec,
 * its kubox.lock and the two .debs it pins, made with dpkg-deb) must give the
 * same archive, byte for byte, on every machine and after every refactor.
 * The lock pins every input by sha256 and the test puts them in an empty
 * cache, so the mirror the lock names (127.0.0.1:9, the discard port) is
 * never contacted.
 *
 * When the image kubox makes changes on purpose (a new layer format, a fixed
 * defect), update GOLDEN with the values this test prints, and say why in the
 * commit: any other change to them is a regression.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage } from '../../../src/image/open.js';
import type { Image } from '../../../src/image/model.js';
import { build, loadSpec } from '../../../src/index.js';
import {
  GOLDEN,
  GOLDEN_FIXTURE,
  goldenWorkdir,
  sha256,
  withoutSourceDateEpoch,
} from '../../support/golden-native.js';

describe('the golden native build', () => {
  it(
    'gives the same archive, index and lock from the same inputs',
    { timeout: 120_000 },
    async () => {
      const { work, cacheDir } = await goldenWorkdir();
      const { spec, source } = loadSpec(join(work, 'kubox.yaml'));
      const archive = join(work, 'golden.oci.tar');
      const result = await withoutSourceDateEpoch(() =>
        build(spec, {
          engine: 'native',
          locked: true,
          specSource: source,
          cwd: work,
          cacheDir,
          output: { type: 'oci', path: archive },
        }),
      );
      const got = {
        index: result.digest,
        archive: sha256(readFileSync(archive)),
        images: result.images,
      };
      console.log(`golden build: ${JSON.stringify(got)}`);
      expect(got).toEqual(GOLDEN);
      expect(result.lock).toEqual({ path: join(work, 'kubox.lock'), written: false });
      const lock = readFileSync(join(work, 'kubox.lock'));
      expect(lock.equals(readFileSync(join(GOLDEN_FIXTURE, 'kubox.lock')))).toBe(true);

      // Both packages are `Architecture: all`: their layers are one blob for both platforms.
      const index = await openImage(`oci:${archive}`);
      if (index.kind !== 'index') throw new Error('the archive holds no index');
      const shared = await Promise.all(
        index.manifest.manifests.map(async (d) => {
          const image = (await index.child(d)) as Image;
          const history = (image.config.history ?? []).filter((h) => !h.empty_layer);
          return image.layers
            .filter((_, i) => history[i]?.created_by?.includes('(all architectures)'))
            .map((l) => l.digest);
        }),
      );
      expect(shared[0]!.length).toBeGreaterThan(0);
      expect(shared[1]).toEqual(shared[0]);
    },
  );
});
