/**
 * The native engine's ld.so.cache: the base tree with the packages laid over
 * it (merged /usr, dpkg path filters, install order), only when apt would run
 * ldconfig, with the generator of the ldconfig that runs; the facts a cached
 * build keeps (DebMeta, BaseLdFacts) survive their JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import type { Deb } from '../../../src/debian/deb.js';
import { serializeCache } from '../../../src/dpkg/ld-so-cache.js';
import {
  debMeta,
  formatDebMeta,
  parseDebMeta,
  type DebMeta,
} from '../../../src/engines/native/deb-meta.js';
import { parseDpkgFilters } from '../../../src/engines/native/dpkg-filter.js';
import {
  baseLdFactsOf,
  cacheGenerator,
  formatBaseLdFacts,
  generatorFor,
  ldCacheLayerEntries,
  ldSoCache,
  parseBaseLdFacts,
} from '../../../src/engines/native/ld-cache-entry.js';
import { BaseTree, type TreeNode } from '../../../src/oci/base-tree.js';
import type { FileEntry } from '../../../src/oci/file-entry.js';
import { buildElf } from '../../support/elf-builder.js';

const GEN = 'ldconfig (Debian GLIBC 2.36-9+deb12u10) stable release version 2.36';
const T = 'usr/lib/x86_64-linux-gnu';

function baseTree(): BaseTree {
  const tree = new BaseTree();
  const dir: TreeNode = { type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 };
  const file = (path: string, data: Buffer) =>
    tree.set(path, { type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length }, data);
  const link = (path: string, linkname: string) =>
    tree.set(path, { type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname });
  tree.set('usr', dir);
  tree.set('usr/lib', dir);
  tree.set(T, dir);
  link('lib', 'usr/lib');
  file('etc/ld.so.conf', Buffer.from('include /etc/ld.so.conf.d/*.conf\n'));
  file('etc/ld.so.conf.d/x86_64-linux-gnu.conf', Buffer.from('/lib/x86_64-linux-gnu\n'));
  file(`${T}/libz.so.1.2.13`, buildElf({ soname: 'libz.so.1' }));
  link(`${T}/libz.so.1`, 'libz.so.1.2.13');
  file('etc/ld.so.cache', serializeCache([], { generator: GEN }));
  return tree;
}

const f = (path: string, data: Buffer | string, extra: Partial<FileEntry> = {}): FileEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  data: Buffer.from(data),
  ...extra,
});

function meta(name: string, files: FileEntry[], control: Record<string, string> = {}): DebMeta {
  const deb: Deb = {
    control: new Map(
      Object.entries({ control: `Package: ${name}\nVersion: 1.0\n`, ...control }).map(([k, v]) => [
        k,
        Buffer.from(v),
      ]),
    ),
    files,
  };
  return parseDebMeta(formatDebMeta(debMeta(name, 'amd64', deb)));
}

const TRIGGERS = { triggers: '# triggers\nactivate-noawait ldconfig\n' };

describe('ldSoCache', () => {
  it('adds the packages libraries, landing through /lib -> usr/lib, and the link ldconfig makes', () => {
    const tree = baseTree();
    const base = parseBaseLdFacts(formatBaseLdFacts(baseLdFactsOf(tree)));
    const debs = [
      meta(
        'libfoo1',
        [
          { path: 'lib', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
          { path: 'lib/x86_64-linux-gnu', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
          f('lib/x86_64-linux-gnu/libfoo.so.1.0.0', buildElf({ soname: 'libfoo.so.1' })),
          // Excluded by the dpkg filter below: dpkg never unpacks it, so ldconfig never sees it.
          f(`${T}/libbar.so.1`, buildElf({ soname: 'libbar.so.1' })),
        ],
        TRIGGERS,
      ),
    ];
    const filters = parseDpkgFilters(new Map([['docker', `path-exclude /${T}/libbar*\n`]]));
    const got = ldSoCache(tree, new Map([['lib', 'usr/lib']]), base, debs, filters, 'amd64');
    expect(got.warnings).toEqual([]);
    expect(got.entry).toMatchObject({
      path: 'etc/ld.so.cache',
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
    });
    const text = Buffer.from(got.entry!.data!).toString('latin1');
    expect(text).toContain('/lib/x86_64-linux-gnu/libfoo.so.1\0');
    expect(text).toContain('/lib/x86_64-linux-gnu/libz.so.1\0');
    expect(text).toContain(GEN);
    expect(text).not.toContain('libbar');
    expect(ldCacheLayerEntries(got).map((e) => e.path)).toEqual([
      'etc/ld.so.cache',
      `${T}/libfoo.so.1`,
    ]);
    expect(got.links).toEqual([
      {
        path: `${T}/libfoo.so.1`,
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        linkname: 'libfoo.so.1.0.0',
      },
    ]);
  });

  it('leaves the cache alone when no package activates the ldconfig trigger', () => {
    const tree = baseTree();
    const debs = [meta('tree', [f('usr/bin/tree', 'x')])];
    const got = ldSoCache(tree, new Map(), baseLdFactsOf(tree), debs, [], 'amd64');
    expect(got).toEqual({ links: [], removed: [], warnings: [] });
  });

  it('warns, and keeps the base cache, on an architecture it does not compute', () => {
    const tree = baseTree();
    const debs = [meta('libx', [], TRIGGERS)];
    const got = ldSoCache(tree, new Map(), baseLdFactsOf(tree), debs, [], 's390x');
    expect(got.entry).toBeUndefined();
    expect(got.warnings[0]).toMatch(/not s390x/);
  });
});

describe('generatorFor', () => {
  it('is the base cache generator, with an installed libc-bin version put in', () => {
    const base = baseLdFactsOf(baseTree());
    expect(generatorFor(base, [])).toBe(GEN);
    const libcBin = meta('libc-bin', [], {
      control: 'Package: libc-bin\nVersion: 2.36-9+deb12u14\n',
    });
    expect(generatorFor(base, [libcBin])).toBe(
      'ldconfig (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36',
    );
    expect(generatorFor({ elf: new Map(), conf: new Map() }, [libcBin])).toBe(
      'ldconfig (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36',
    );
    expect(generatorFor({ elf: new Map(), conf: new Map() }, [])).toBeUndefined();
  });
});

describe('cacheGenerator', () => {
  it('reads the generator of a cache, and nothing from hostile bytes', () => {
    const good = serializeCache([], { generator: GEN });
    expect(cacheGenerator(good)).toBe(GEN);
    expect(cacheGenerator(Buffer.alloc(10))).toBeUndefined();
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0xfffffff0, 32);
    expect(cacheGenerator(bad)).toBeUndefined();
    const size = Buffer.from(good);
    size.writeUInt32LE(0xffffff, good.readUInt32LE(32) + 20);
    expect(cacheGenerator(size)).toBeUndefined();
  });
});
