/**
 * kubox's /etc/ld.so.cache against the real ldconfig, byte for byte, per
 * platform. The same base (the loopback registry's bookworm python:3.13-slim
 * stand-in) and the same .debs go two ways:
 *  - kubox: the base read from its layers (readBaseTree, readBaseLdFacts),
 *    each .deb through readDeb and debMeta, then ldSoCache;
 *  - the real thing: `docker export` of the base, the .debs unpacked over it
 *    with dpkg-deb, then the base's own ldconfig run on it (`ldconfig -r`,
 *    without -X, as apt's trigger runs it) in a container of that platform.
 * The .debs are bookworm's (the test environment's current packages) and a
 * stand-in package built here with dpkg-deb from the base's own libraries,
 * laid out to reach every rule: an ld.so.conf.d include with a relative glob,
 * a `=libc6` type, a hwcap directive, a missing directory, glibc-hwcaps and
 * legacy tls/haswell subdirectories, a missing SONAME link, a `.so` link, a
 * dangling link, a linker script, a library of the other architecture, two
 * versions of one SONAME, a truncated and a hostile ELF.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { copyFile, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeb } from '../../src/debian/deb.js';
import { keepBaseFile } from '../../src/engines/native/base.js';
import { debMeta, type DebMeta } from '../../src/engines/native/deb-meta.js';
import { parseDpkgFilters } from '../../src/engines/native/dpkg-filter.js';
import { baseFacts } from '../../src/engines/native/facts.js';
import { ldconfigScan, serializeCache } from '../../src/dpkg/ld-so-cache.js';
import {
  generatorFor,
  ldSoCache,
  readBaseLdFacts,
} from '../../src/engines/native/ld-cache-entry.js';
import { readBaseTree } from '../../src/oci/base-tree.js';
import { blobPath, openLayout, readBlob, type Layout } from '../../src/oci/layout.js';
import type { Index, Manifest } from '../../src/oci/types.js';
import { pull } from '../../src/registry/remote.js';
import { loadEnv } from '../support/e2e-env.js';
import { diskLdTree } from '../support/ld-disk-tree.js';

const env = loadEnv();
const work = mkdtempSync(join(tmpdir(), 'kubox-ldcache-e2e-'));
const docker = (args: string[]) =>
  execa('docker', args, { env: { DOCKER_CONFIG: env.dockerConfig }, maxBuffer: 1e9 });
const ARCHES = ['amd64', 'arm64'] as const;
const TRIPLET = { amd64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
let layout: Layout;
let index: Index;

/** `docker export` of the base for `arch`, unpacked into work/<arch>-root. */
async function exportBase(arch: string): Promise<string> {
  const root = join(work, `${arch}-root`);
  mkdirSync(root, { recursive: true });
  const { stdout: id } = await docker(['create', '--platform', `linux/${arch}`, env.base]);
  try {
    await docker(['export', '-o', join(work, `${arch}.tar`), id.trim()]);
  } finally {
    await docker(['rm', id.trim()]);
  }
  await execa('tar', ['-xf', join(work, `${arch}.tar`), '-C', root]);
  return root;
}

/** The real file a library name in the base's multiarch directory ends at. */
function libFile(root: string, arch: keyof typeof TRIPLET, soname: string): string {
  return realpathSync(join(root, 'usr/lib', TRIPLET[arch], soname));
}

/** A hostile ELF: a shared-object header whose program headers lie past the end of the file. */
function hostileElf(): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeUInt16LE(62, 18);
  b.writeBigUInt64LE(0xfffffffffff0n, 32); // e_phoff far outside
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(0xffff, 56); // e_phnum
  return b;
}

/** The stand-in package: every ldconfig rule, from the base's own libraries. */
async function standInDeb(
  arch: keyof typeof TRIPLET,
  roots: Record<string, string>,
): Promise<string> {
  const other = arch === 'amd64' ? 'arm64' : 'amd64';
  const stage = join(work, `${arch}-stage`);
  const put = async (path: string, from: string | Buffer) => {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    if (typeof from === 'string') await copyFile(from, join(stage, path));
    else writeFileSync(join(stage, path), from);
  };
  const libz = libFile(roots[arch]!, arch, 'libz.so.1');
  const libffi = libFile(roots[arch]!, arch, 'libffi.so.8');
  const ffiName = libffi.slice(libffi.lastIndexOf('/') + 1);
  await put('etc/ld.so.conf.d/zz-kubox-test.conf', Buffer.from('/opt/kubox/lib\n'));
  await put(
    'etc/ld.so.conf.d/aa-kubox-test.conf',
    Buffer.from(
      '# comment\n  /opt/kubox/lib/  # again\ninclude sub/*.conf\nhwcap 1 foo\n/opt/kubox/missing\n',
    ),
  );
  await put('etc/ld.so.conf.d/sub/o.conf', Buffer.from('/opt/kubox/other=libc6\n'));
  await put('opt/kubox/lib/glibc-hwcaps/x86-64-v3/libz.so.1.2.13', libz);
  await put('opt/kubox/lib/glibc-hwcaps/x86-64-v2/libz.so.1.2.13', libz);
  mkdirSync(join(stage, 'opt/kubox/lib/glibc-hwcaps/unused'), { recursive: true });
  await put('opt/kubox/lib/tls/libz.so.1', libz);
  await put('opt/kubox/lib/haswell/libz.so.1', libz);
  await put(`opt/kubox/lib/${ffiName}`, libffi);
  await symlink(ffiName, join(stage, 'opt/kubox/lib/libffi.so'));
  await symlink('libgone.so.1.0', join(stage, 'opt/kubox/lib/libgone.so.1'));
  await put(
    'opt/kubox/lib/libscript.so',
    Buffer.from('/* GNU ld script */\nGROUP ( /lib/libc.so.6 )\n'),
  );
  await put('opt/kubox/other/libforeign.so.1', libFile(roots[other]!, other, 'libz.so.1'));
  await put('opt/kubox/other/libz.so.1.9', libz);
  await put('opt/kubox/other/libz.so.1.10', libz);
  await put('opt/kubox/other/libtrunc.so.1', (await readFile(libz)).subarray(0, 100));
  await put('opt/kubox/other/libhostile.so.1', hostileElf());
  await put(
    'DEBIAN/control',
    Buffer.from(
      `Package: kubox-ld-test\nVersion: 1.0\nArchitecture: ${arch}\nMaintainer: kubox tests <t@example.invalid>\nDescription: ldconfig cases\n`,
    ),
  );
  await put('DEBIAN/triggers', Buffer.from('activate-noawait ldconfig\n'));
  const deb = join(work, `kubox-ld-test_${arch}.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', stage, deb]);
  return deb;
}

/** Every symlink under `root`, relative, with its target. */
async function symlinks(root: string): Promise<Map<string, string>> {
  const { stdout } = await execa('find', [root, '-xdev', '-type', 'l', '-printf', '%P\t%l\n'], {
    maxBuffer: 1e9,
  });
  return new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string]),
  );
}

const roots: Record<string, string> = {};

beforeAll(async () => {
  const credential = { kind: 'basic' as const, username: env.username, password: env.password };
  const archive = join(work, 'base.tar');
  await pull(env.base, archive, { credential });
  layout = await openLayout(archive);
  index = JSON.parse(
    (await readBlob(layout, layout.index.manifests[0]!.digest)).toString(),
  ) as Index;
  for (const arch of ARCHES) roots[arch] = await exportBase(arch);
}, 600_000);

afterAll(async () => {
  await layout?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.each(ARCHES)('ld.so.cache for linux/%s', (arch) => {
  it('is byte-identical to what ldconfig writes, with the same links made and removed', async () => {
    const debs = [
      await standInDeb(arch, roots),
      // bookworm's own packages (the test environment has amd64 ones): libc-bin among them.
      ...(arch === 'amd64' ? Object.values(env.scriptDebs?.current ?? {}) : []),
    ];
    expect(debs.length).toBeGreaterThan(arch === 'amd64' ? 5 : 0);

    // kubox's way: the base from its layers, each .deb read by kubox.
    const entry = index.manifests.find((m) => m.platform?.architecture === arch)!;
    const manifest = JSON.parse((await readBlob(layout, entry.digest)).toString()) as Manifest;
    const layers = manifest.layers.map((l) => blobPath(layout.dir, l.digest));
    const tree = await readBaseTree(layers, keepBaseFile);
    const facts = baseFacts(tree, env.base);
    const baseLd = await readBaseLdFacts(layers, entry.digest, join(work, 'cache'));
    const metas: DebMeta[] = [];
    for (const path of debs) {
      const bytes = await readFile(path);
      const deb = await readDeb(bytes, path);
      const name = /^Package:\s*(\S+)/m.exec(deb.control.get('control')!.toString())![1]!;
      metas.push(debMeta(name, arch, deb));
    }
    const mine = ldSoCache(
      tree,
      facts.topLinks,
      baseLd,
      metas,
      parseDpkgFilters(facts.dpkgFilters),
      arch,
    );

    // The real way: the same files on disk, then ldconfig.
    const real = join(work, `${arch}-real`);
    await execa('cp', ['-a', roots[arch]!, real]);
    for (const path of debs)
      await execa('sh', [
        '-c',
        'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"',
        'sh',
        path,
        real,
      ]);
    const before = await symlinks(real);
    // The pure scan over the same files on disk (ELF facts read piecewise) must agree too.
    const onDisk = ldconfigScan(await diskLdTree(real), arch);
    const fromDisk = serializeCache(onDisk.entries, {
      generator: generatorFor(baseLd, metas)!,
      hwcapsNames: onDisk.hwcapsNames,
    });
    await docker([
      'run',
      '--rm',
      '--platform',
      `linux/${arch}`,
      '-v',
      `${real}:/t`,
      env.base,
      'ldconfig',
      '-r',
      '/t',
    ]);
    const after = await symlinks(real);
    const want = readFileSync(join(real, 'etc/ld.so.cache'));

    expect(mine.warnings).toEqual([]);
    const got = Buffer.from(mine.entry!.data!);
    if (!got.equals(want)) {
      const { stdout } = await docker([
        'run',
        '--rm',
        '--platform',
        `linux/${arch}`,
        '-v',
        `${real}:/t`,
        env.base,
        'ldconfig',
        '-r',
        '/t',
        '-p',
      ]);
      writeFileSync(join(real, 'etc/ld.so.cache'), got);
      const { stdout: ours } = await docker([
        'run',
        '--rm',
        '--platform',
        `linux/${arch}`,
        '-v',
        `${real}:/t`,
        env.base,
        'ldconfig',
        '-r',
        '/t',
        '-p',
      ]);
      expect(ours).toBe(stdout); // shows which entries differ
    }
    expect(got.equals(want)).toBe(true);
    expect(fromDisk.equals(want)).toBe(true);
    // ldconfig really rewrote the cache: the stand-in's directories are in it.
    expect(want.equals(readFileSync(join(roots[arch]!, 'etc/ld.so.cache')))).toBe(false);
    expect(want.includes('/opt/kubox/lib/glibc-hwcaps/x86-64-v3/libz.so.1.2.13')).toBe(true);
    expect(mine.entry).toMatchObject({ path: 'etc/ld.so.cache', mode: 0o644, uid: 0, gid: 0 });

    const made = [...after].filter(([p]) => !before.has(p)).map(([p, t]) => `${p} -> ${t}`);
    expect(mine.links.map((l) => `${l.path} -> ${l.linkname}`).sort()).toEqual(made.sort());
    expect(made.length).toBeGreaterThanOrEqual(2); // libffi.so.8, libz.so.1 in the stand-in
    const gone = [...before.keys()].filter((p) => !after.has(p));
    expect(mine.removed.sort()).toEqual(gone.sort());
    expect(existsSync(join(real, 'opt/kubox/lib'))).toBe(true);
  }, 600_000);
});
