import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { metadataByDownload, type Distribution } from '../../../src/python/simple-index.js';
import { resolveWheels, type ResolveOptions } from '../../../src/python/resolve.js';
import type { PythonTarget } from '../../../src/python/target.js';
import { makeWheel, metadataText, type WheelSpec } from './make-wheel.js';
import { startIndex, type IndexServer, type ServedFile } from './index-server.js';
import { PY313_X86 } from '../../support/python-target.js';

const x86 = PY313_X86;
const arm: PythonTarget = { ...x86, arch: 'aarch64' };
const musl: PythonTarget = { ...x86, glibc: undefined };

type Extra = Partial<Pick<ServedFile, 'yanked' | 'hash' | 'requiresPython'>> & { pep658?: boolean };
const index: Record<string, ServedFile[]> = {};
function publish(spec: WheelSpec, extra: Extra = {}): void {
  const w = makeWheel(spec);
  const { pep658, ...rest } = extra;
  (index[spec.name] ??= []).push({
    ...w,
    ...rest,
    ...(pep658 ? { metadata: metadataText(spec) } : {}),
  });
}
function publishSdist(name: string, version: string): void {
  (index[name] ??= []).push({
    filename: `${name}-${version}.tar.gz`,
    bytes: new TextEncoder().encode('sdist'),
  });
}

// Platform wheels: the best tag wins among the files of the chosen version.
publish({
  name: 'fastlib',
  version: '2.0',
  tags: 'cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64',
});
publish({
  name: 'fastlib',
  version: '2.0',
  tags: 'cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64',
});
publish({ name: 'fastlib', version: '2.0', tags: 'cp38-abi3-manylinux_2_28_x86_64' });
publish({ name: 'fastlib', version: '2.0' });
publish({ name: 'fastlib', version: '2.1', tags: 'cp313-cp313-win_amd64' });
// Extras and markers.
publish({
  name: 'helper',
  version: '1.0',
  requires: [
    'click>=8; extra == "cli"',
    'colorama; sys_platform == "win32"',
    'tomli; python_version < "3.11"',
    'six',
  ],
});
publish({ name: 'click', version: '8.1.7' });
publish({ name: 'click', version: '9.0b1' });
publish({ name: 'colorama', version: '0.4.6' });
publish({ name: 'tomli', version: '2.0.1' });
publish({ name: 'six', version: '1.16.0' }, { pep658: true });
publish({ name: 'six', version: '1.17.0' }, { hash: false });
// Requires-Python, on the index and only in METADATA.
publish({ name: 'newlib', version: '3.0', requiresPython: '>=3.14' }, { requiresPython: '>=3.14' });
publish({ name: 'newlib', version: '2.5', requiresPython: '>=3.14' });
publish({ name: 'newlib', version: '2.0', requiresPython: '>=3.9' });
// Yanked.
publish({ name: 'yanky', version: '1.0' });
publish({ name: 'yanky', version: '1.1' }, { yanked: 'broken' });
// Backtracking: alpha 2.0 wants shared<2 but beta needs shared>=2, so alpha drops to 1.0.
publish({ name: 'alpha', version: '1.0', requires: ['shared'] });
publish({ name: 'alpha', version: '2.0', requires: ['shared<2'] });
publish({ name: 'beta', version: '1.0', requires: ['shared>=2'] });
publish({ name: 'shared', version: '1.0' });
publish({ name: 'shared', version: '2.0' });
publish({ name: 'app', version: '1.0', requires: ['beta'] });
// Source only.
publishSdist('cext', '1.0');
publish({ name: 'mixed', version: '1.0' });
publishSdist('mixed', '1.1');
// Wheels for x86_64 only, with and without an sdist beside them.
publish({ name: 'x86only', version: '1.0', tags: 'cp313-cp313-manylinux_2_17_x86_64' });
publish({ name: 'x86sdist', version: '1.0', tags: 'cp313-cp313-manylinux_2_17_x86_64' });
publishSdist('x86sdist', '1.0');
// Pre-releases only.
publish({ name: 'preonly', version: '0.1a1' });

const sha = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');

for (const form of ['json', 'html'] as const) {
  describe(`resolveWheels against a ${form} index`, () => {
    let server: IndexServer;
    let downloaded: string[];
    let opts: ResolveOptions;
    beforeAll(async () => {
      server = await startIndex(index, form);
    });
    afterAll(() => server.close());
    const setup = (extra: Partial<ResolveOptions> = {}): ResolveOptions => {
      downloaded = [];
      const byDownload = metadataByDownload();
      opts = {
        indexUrl: server.url,
        fetchWheelMetadata: (d: Distribution) => {
          downloaded.push(d.filename);
          return byDownload(d);
        },
        ...extra,
      };
      return opts;
    };
    const pick = async (reqs: string[], target = x86, extra: Partial<ResolveOptions> = {}) =>
      Object.fromEntries(
        (await resolveWheels(reqs, target, setup(extra))).map((w) => [w.name, w.filename]),
      );

    it('picks the best-ranked wheel of the highest version the platform can use', async () => {
      expect(await pick(['fastlib'], x86)).toEqual({
        fastlib: 'fastlib-2.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      });
      expect(await pick(['fastlib'], arm)).toEqual({
        fastlib: 'fastlib-2.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
      });
      expect(await pick(['fastlib'], musl)).toEqual({ fastlib: 'fastlib-2.0-py3-none-any.whl' });
      expect(await pick(['fastlib'], { ...x86, version: [3, 12] })).toEqual({
        fastlib: 'fastlib-2.0-cp38-abi3-manylinux_2_28_x86_64.whl',
      });
    });

    it('follows Requires-Dist through extras and markers', async () => {
      expect(await pick(['helper'])).toEqual({
        helper: 'helper-1.0-py3-none-any.whl',
        six: 'six-1.17.0-py3-none-any.whl',
      });
      const withCli = await pick(['helper[cli]']);
      expect(Object.keys(withCli).sort()).toEqual(['click', 'helper', 'six']);
      // Pre-release 9.0b1 is skipped while a final release matches.
      expect(withCli.click).toBe('click-8.1.7-py3-none-any.whl');
      // python_version < "3.11" holds on 3.10: tomli joins.
      expect(Object.keys(await pick(['helper'], { ...x86, version: [3, 10] })).sort()).toEqual([
        'helper',
        'six',
        'tomli',
      ]);
      expect(Object.keys(await pick(['helper; sys_platform == "win32"']))).toEqual([]);
    });

    it('adds the dependencies of an extra requested after the package was chosen', async () => {
      const got = await pick(['helper', 'helper[cli]']);
      expect(Object.keys(got).sort()).toEqual(['click', 'helper', 'six']);
    });

    it('skips releases whose Requires-Python excludes the target, from the index or from METADATA', async () => {
      expect(await pick(['newlib'])).toEqual({ newlib: 'newlib-2.0-py3-none-any.whl' });
      expect(await pick(['newlib'], { ...x86, version: [3, 14] })).toEqual({
        newlib: 'newlib-3.0-py3-none-any.whl',
      });
    });

    it('skips yanked releases unless pinned exactly', async () => {
      expect(await pick(['yanky'])).toEqual({ yanky: 'yanky-1.0-py3-none-any.whl' });
      expect(await pick(['yanky==1.1'])).toEqual({ yanky: 'yanky-1.1-py3-none-any.whl' });
      await expect(resolveWheels(['yanky>=1.1'], x86, setup())).rejects.toThrow(/yanked: 1.1/);
    });

    it('backtracks to an older version when pins conflict', async () => {
      const wheels = await resolveWheels(['alpha', 'beta'], x86, setup());
      expect(wheels.map((w) => `${w.name} ${w.version}`)).toEqual([
        'alpha 1.0',
        'beta 1.0',
        'shared 2.0',
      ]);
      expect(wheels.map((w) => w.requested)).toEqual([true, true, false]);
      expect(wheels[0]!.requires).toEqual(['shared']);
    });

    it('gives up after the bound on versions tried', async () => {
      await expect(
        resolveWheels(['alpha', 'beta'], x86, setup({ maxAttempts: 3 })),
      ).rejects.toThrow(/gave up resolving the Python requirements after trying 3 versions/);
    });

    it('names the requirement chain of an unsolvable conflict', async () => {
      const err = await resolveWheels(['shared<2', 'app'], x86, setup()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KuboxError);
      expect((err as KuboxError).kind).toBe('resolve');
      expect((err as KuboxError).message).toContain(
        'shared 1.0 was chosen for shared<2 (from the request)',
      );
      expect((err as KuboxError).message).toContain('but app 1.0 -> beta 1.0 requires shared>=2');
    });

    it('refuses a version published only as an sdist, naming the file', async () => {
      await expect(resolveWheels(['cext'], x86, setup())).rejects.toThrow(
        'cext 1.0 is only published as a source distribution (cext-1.0.tar.gz); the native engine installs wheels only: use `--engine buildx`, or pin a version with a wheel',
      );
      await expect(resolveWheels(['mixed'], x86, setup())).rejects.toThrow(
        /mixed 1.1 is only published as a source/,
      );
      expect(await pick(['mixed<1.1'])).toEqual({ mixed: 'mixed-1.0-py3-none-any.whl' });
    });

    it('explains why nothing matches', async () => {
      await expect(resolveWheels(['yanky>=5'], x86, setup())).rejects.toThrow(
        /no version of yanky matches >=5 \(asked for by yanky>=5 \(from the request\)\); versions on the index: 1.0, 1.1$/,
      );
    });

    it('says which platform has no wheel, what was looked for and what the index offers', async () => {
      const err = (await resolveWheels(['x86only'], arm, setup({ platform: 'linux/arm64' })).catch(
        (e: unknown) => e,
      )) as KuboxError;
      expect(err.kind).toBe('resolve');
      expect(err.message).toMatch(
        /^cannot resolve the Python requirements for linux\/arm64: no wheel of x86only any version \(asked for by x86only \(from the request\)\) fits CPython 3.13 on linux\/arm64 \(aarch64, glibc 2.36\): looked for \d+ tags \(best cp313-cp313-manylinux_2_36_aarch64; pure py3-none-any\); the index offers 1.0: wheels cp313-cp313-manylinux_2_17_x86_64$/,
      );
      expect(err.hint).toBe(
        'add x86only wheels for linux/arm64 to the index, leave linux/arm64 out (--platform), or use another version that has one',
      );
      const sdist = (await resolveWheels(['x86sdist'], arm, setup()).catch(
        (e: unknown) => e,
      )) as KuboxError;
      expect(sdist.message).toContain(
        'the index offers 1.0: wheels cp313-cp313-manylinux_2_17_x86_64; sdist',
      );
      expect(sdist.hint).toContain('or build with --engine buildx, where pip can build the sdist');
      expect(await pick(['x86only'])).toEqual({
        x86only: 'x86only-1.0-cp313-cp313-manylinux_2_17_x86_64.whl',
      });
    });

    it('says when Requires-Python is what excludes every version', async () => {
      const err = (await resolveWheels(['newlib>=2.5'], x86, setup()).catch(
        (e: unknown) => e,
      )) as KuboxError;
      expect(err.message).toContain(
        'no version of newlib >=2.5 (asked for by newlib>=2.5 (from the request)) supports Python 3.13.0: they require >=3.14',
      );
      expect(err.hint).toBe(
        'pin an older newlib that supports Python 3.13.0, or use a base with a newer Python',
      );
    });

    it('takes a pre-release when it is all there is', async () => {
      expect(await pick(['preonly'])).toEqual({ preonly: 'preonly-0.1a1-py3-none-any.whl' });
    });

    it('keeps what the base already satisfies and replaces what it does not', async () => {
      const kept = await resolveWheels(
        ['app'],
        x86,
        setup({ installed: new Map([['shared', '2.0']]) }),
      );
      expect(kept.map((w) => w.name)).toEqual(['app', 'beta']);
      const none = await resolveWheels(
        ['six'],
        x86,
        setup({ installed: new Map([['six', '1.0']]) }),
      );
      expect(none).toEqual([]);
      const upgraded = await resolveWheels(
        ['app'],
        x86,
        setup({ installed: new Map([['shared', '1.0']]) }),
      );
      expect(upgraded.find((w) => w.name === 'shared')).toMatchObject({
        version: '2.0',
        replaces: '1.0',
      });
    });

    it('reads PEP 658 metadata instead of downloading the wheel, and locks a hash the index did not publish', async () => {
      const downloads = new Map<string, { bytes: Uint8Array; sha256: string }>();
      const [six] = await resolveWheels(['six<1.17'], x86, setup({ downloads }));
      expect(six!.version).toBe('1.16.0');
      expect(downloaded).toEqual([]);
      expect(server.requests).toContain('/files/six-1.16.0-py3-none-any.whl.metadata');
      const six17 = index.six!.find((f) => f.filename.startsWith('six-1.17.0'))!;
      const [latest] = await resolveWheels(['six'], x86, setup({ downloads }));
      expect(downloaded).toEqual(['six-1.17.0-py3-none-any.whl']);
      expect(latest!.sha256).toBe(sha(six17.bytes));
      expect(downloads.get(latest!.url)?.sha256).toBe(sha(six17.bytes));
      expect(six!.sha256).toBe(sha(index.six![0]!.bytes));
    });

    it('refuses URL requirements', async () => {
      await expect(resolveWheels(['x @ https://example.com/x.whl'], x86, setup())).rejects.toThrow(
        /package index only/,
      );
    });
  });
}
