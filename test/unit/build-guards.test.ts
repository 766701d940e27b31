/**
 * What a build settles before any work, on the golden native build's inputs
 * (no network): an archive path that cannot be written fails at once, and two
 * builds of the same spec at the same time take turns under its run lock
 * (kubox.lock.run), so the lock left on disk belongs with each output.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage } from '../../src/build.js';
import { KuboxError } from '../../src/errors.js';
import { makePlan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { GOLDEN, goldenWorkdir, withoutSourceDateEpoch } from '../support/golden-native.js';

async function golden() {
  const { work, cacheDir } = await goldenWorkdir();
  const { spec, source } = loadSpec(join(work, 'kubox.yaml'));
  const opts = { engine: 'native' as const, locked: true, specSource: source, cwd: work, cacheDir };
  return { work, cacheDir, plan: makePlan(spec, source), opts };
}

describe('before the build', { timeout: 120_000 }, () => {
  it('an archive under a file fails at once, and nothing is built', async () => {
    const { work, cacheDir, plan, opts } = await golden();
    writeFileSync(join(work, 'afile'), 'x');
    const err = await buildImage(plan, {
      ...opts,
      output: { type: 'oci', path: join(work, 'afile', 'img.tar') },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toBe(
      `cannot write ${join(work, 'afile', 'img.tar')}: a part of its path is a file, not a directory`,
    );
    // No layer was made: the cache holds the two .debs only.
    expect(existsSync(join(cacheDir, 'layers'))).toBe(false);
  });

  it('two builds of one spec at once take turns under its run lock, and both succeed', async () => {
    const { work, plan, opts } = await golden();
    const logs: string[][] = [[], []];
    const results = await withoutSourceDateEpoch(() =>
      Promise.all(
        [0, 1].map((i) =>
          buildImage(plan, {
            ...opts,
            output: { type: 'oci', path: join(work, `img-${i}.tar`) },
            log: (m) => logs[i]!.push(m),
          }),
        ),
      ),
    );
    expect(results.map((r) => r.digest)).toEqual([GOLDEN.index, GOLDEN.index]);
    expect(
      logs.flat().filter((m) => m.startsWith('waiting for another kubox run to finish')),
    ).toHaveLength(1);
    // The lock is released: nothing is left beside the spec.
    expect(readdirSync(work).filter((f) => f.startsWith('kubox.lock.run'))).toEqual([]);
  });
});
