/**
 * The ld.so.cache rules, each on a small in-memory tree of tiny ELF objects:
 * _dl_cache_libcmp, the tail-merged string table, the file layout, and what
 * ldconfig scans (includes, merged-/usr duplicates, hwcaps subdirectories),
 * which names enter, which links it makes. The byte-for-byte comparison with
 * the real ldconfig is test/e2e/ld-so-cache.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { bufferSource, EM_AARCH64, readElf } from '../../../src/elf/elf.js';
import {
  FLAG_AARCH64_LIB64,
  FLAG_ELF_LIBC6,
  FLAG_X8664_LIB64,
  isDsoName,
  ldconfigScan,
  libcmp,
  serializeCache,
  sortEntries,
  stringTable,
  type CacheEntry,
  type LdTree,
} from '../../../src/dpkg/ld-so-cache.js';
import { buildElf } from '../../support/elf-builder.js';

type Spec = string | Buffer | { link: string } | { dir: true };

/** A tree from path -> text file, ELF bytes, symlink or directory; parents are implied. */
function memTree(spec: Record<string, Spec>): LdTree {
  const nodes = new Map<string, Spec>([['/', { dir: true }]]);
  for (const [path, s] of Object.entries(spec)) {
    nodes.set(path, s);
    for (let p = path; p.lastIndexOf('/') > 0;) {
      p = p.slice(0, p.lastIndexOf('/'));
      if (!nodes.has(p)) nodes.set(p, { dir: true });
    }
  }
  const typeOf = (s: Spec | undefined) =>
    s === undefined
      ? undefined
      : typeof s === 'string' || Buffer.isBuffer(s)
        ? ('file' as const)
        : 'link' in s
          ? ('symlink' as const)
          : ('directory' as const);
  const realpath = (path: string): string | undefined => {
    let rest = path.split('/').filter(Boolean);
    const out: string[] = [];
    for (let hops = 0; rest.length > 0;) {
      const part = rest.shift()!;
      if (part === '..') {
        out.pop();
        continue;
      }
      const here = `/${[...out, part].join('/')}`;
      const s = nodes.get(here);
      if (s === undefined) return undefined;
      if (typeOf(s) === 'symlink') {
        if (++hops > 40) return undefined;
        const target = (s as { link: string }).link;
        if (target.startsWith('/')) out.length = 0;
        rest = [...target.split('/').filter(Boolean), ...rest];
        continue;
      }
      out.push(part);
    }
    return `/${out.join('/')}`;
  };
  return {
    lstat: (p) => typeOf(nodes.get(p === '' ? '/' : p)),
    realpath,
    list: (dir) => {
      const prefix = dir === '/' ? '/' : `${dir}/`;
      return [...nodes.keys()]
        .filter((p) => p !== '/' && p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length));
    },
    readText: (p) => {
      const r = realpath(p);
      const s = r === undefined ? undefined : nodes.get(r);
      return typeof s === 'string' ? s : undefined;
    },
    elf: (p) => {
      const s = nodes.get(p);
      if (typeof s === 'string') return readElf(bufferSource(Buffer.from(s)));
      return Buffer.isBuffer(s) ? readElf(bufferSource(s)) : undefined;
    },
  };
}

const lib = (soname?: string, extra: Parameters<typeof buildElf>[0] = {}) =>
  buildElf({ ...(soname !== undefined ? { soname } : {}), ...extra });

const T = '/usr/lib/x86_64-linux-gnu';
const MULTIARCH_CONF = {
  '/etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
  '/etc/ld.so.conf.d/libc.conf': '# libc default configuration\n/usr/local/lib\n',
  '/etc/ld.so.conf.d/x86_64-linux-gnu.conf':
    '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
  '/lib': { link: 'usr/lib' },
};

describe('libcmp (_dl_cache_libcmp)', () => {
  it('compares digit runs as numbers and the rest as chars', () => {
    expect(libcmp('libfoo.so.10', 'libfoo.so.9')).toBeGreaterThan(0);
    expect(libcmp('libfoo.so.9', 'libfoo.so.10')).toBeLessThan(0);
    expect(libcmp('libz.so.1', 'libz.so.1')).toBe(0);
    expect(libcmp('libz.so.01', 'libz.so.1')).toBe(0);
    expect(libcmp('liba.so', 'libb.so')).toBeLessThan(0);
    // A digit sorts after any other char.
    expect(libcmp('lib1', 'liba')).toBe(1);
    expect(libcmp('liba', 'lib1')).toBe(-1);
    expect(libcmp('lib', 'libc')).toBeLessThan(0);
  });

  it('compares bytes above 0x7f as C chars: signed on x86, unsigned on arm', () => {
    expect(libcmp('lib\u00e9', 'liba', true)).toBeLessThan(0);
    expect(libcmp('lib\u00e9', 'liba', false)).toBeGreaterThan(0);
  });
});

describe('isDsoName (dl-is_dso.h)', () => {
  it.each([
    ['libz.so.1', true],
    ['libz.so', true],
    ['ld-linux-x86-64.so.2', true],
    ['ld.so.1', true],
    ['ld64.so.2', true],
    ['libz.a', false],
    ['python3.11', false],
    ['foo.so.1', false],
  ])('%s -> %s', (name, want) => expect(isDsoName(name)).toBe(want));
});

describe('stringTable (stringtable.c)', () => {
  it('shares suffixes and orders strings by their reversed bytes', () => {
    const { bytes, offsets } = stringTable([
      '/lib/libz.so.1',
      'libz.so.1',
      'libc.so.6',
      'libz.so.1',
    ]);
    // "libz.so.1" is the tail of "/lib/libz.so.1"; by last byte descending, '6' comes before '1'.
    expect(bytes.toString('latin1')).toBe('libc.so.6\0/lib/libz.so.1\0');
    expect(offsets.get('libc.so.6')).toBe(0);
    expect(offsets.get('/lib/libz.so.1')).toBe(10);
    expect(offsets.get('libz.so.1')).toBe(15);
  });

  it('is empty for no strings', () => {
    expect(stringTable([]).bytes.length).toBe(0);
  });
});

describe('serializeCache (save_cache, new format)', () => {
  const entries: CacheEntry[] = [
    { lib: 'libz.so.1', path: '/lib/libz.so.1', flags: 0x303, hwcap: 0n, isaLevel: 0 },
  ];

  it('writes the header, the entries, the strings and the generator extension', () => {
    const b = serializeCache(entries, { generator: 'ldconfig test' });
    expect(b.toString('latin1', 0, 20)).toBe('glibc-ld.so.cache1.1');
    expect(b.readUInt32LE(20)).toBe(1); // nlibs
    expect(b.readUInt32LE(24)).toBe(15); // len_strings: "/lib/libz.so.1\0", the key shares it
    expect(b[28]).toBe(2); // little-endian
    const ext = b.readUInt32LE(32);
    expect(ext % 4).toBe(0);
    expect(ext).toBe(Math.ceil((48 + 24 + 15) / 4) * 4);
    expect(b.readInt32LE(48)).toBe(0x303);
    expect(b.toString('latin1', b.readUInt32LE(52), b.readUInt32LE(52) + 9)).toBe('libz.so.1');
    expect(b.readUInt32LE(ext)).toBe(0xeaa42174);
    expect(b.readUInt32LE(ext + 4)).toBe(1);
    expect(b.toString('latin1', b.readUInt32LE(ext + 16))).toBe('ldconfig test');
    expect(b.length).toBe(ext + 24 + 'ldconfig test'.length);
  });

  it('adds the glibc-hwcaps section, names sorted, and marks its entries', () => {
    const b = serializeCache(
      [
        {
          lib: 'libz.so.1',
          path: '/l/glibc-hwcaps/x86-64-v3/libz.so.1.2',
          flags: 0x303,
          hwcap: 0n,
          hwcaps: 'x86-64-v3',
          isaLevel: 0,
        },
        {
          lib: 'libz.so.1',
          path: '/l/glibc-hwcaps/x86-64-v2/libz.so.1.2',
          flags: 0x303,
          hwcap: 0n,
          hwcaps: 'x86-64-v2',
          isaLevel: 0,
        },
      ],
      { generator: 'g', hwcapsNames: ['x86-64-v2', 'x86-64-v3', 'unused'] },
    );
    const ext = b.readUInt32LE(32);
    expect(b.readUInt32LE(ext + 4)).toBe(2);
    expect(b.readUInt32LE(ext + 24)).toBe(1); // tag glibc-hwcaps
    const names = b.readUInt32LE(ext + 32);
    expect(b.readUInt32LE(ext + 36)).toBe(8);
    const at = (i: number) => b.readUInt32LE(names + i * 4);
    expect(b.toString('latin1', at(0), at(0) + 9)).toBe('x86-64-v2');
    expect(b.toString('latin1', at(1), at(1) + 9)).toBe('x86-64-v3');
    expect(b.readBigUInt64LE(48 + 16)).toBe((1n << 62n) | 1n); // first entry: x86-64-v3, index 1
    expect(b.includes('unused\0')).toBe(true); // interned though unused, as ldconfig does
  });
});

describe('sortEntries (cache.c compare)', () => {
  it('orders keys descending by libcmp, glibc-hwcaps entries first, then most hwcap bits', () => {
    const e = (lib: string, extra: Partial<CacheEntry> = {}): CacheEntry => ({
      lib,
      path: `/x/${lib}`,
      flags: 0x303,
      hwcap: 0n,
      isaLevel: 0,
      ...extra,
    });
    const got = sortEntries([
      e('libz.so.1'),
      e('liba.so.1'),
      e('libz.so.1', { hwcap: 1n << 63n }),
      e('libz.so.1', { hwcaps: 'x86-64-v3' }),
      e('libfoo.so.9'),
      e('libfoo.so.10'),
    ]).map((x) => `${x.lib}${x.hwcaps ? `@${x.hwcaps}` : ''}${x.hwcap ? '@tls' : ''}`);
    expect(got).toEqual([
      'libz.so.1@x86-64-v3',
      'libz.so.1@tls',
      'libz.so.1',
      'libfoo.so.10',
      'libfoo.so.9',
      'liba.so.1',
    ]);
  });
});

describe('ldconfigScan', () => {
  it('scans ld.so.conf and the built-in directories once each, through /lib -> usr/lib', () => {
    const tree = memTree({
      ...MULTIARCH_CONF,
      [`${T}/libz.so.1.2.13`]: lib('libz.so.1'),
      [`${T}/libz.so.1`]: { link: 'libz.so.1.2.13' },
      [`${T}/libz.so`]: { link: 'libz.so.1' },
      '/usr/local/lib/libpython3.11.so.1.0': lib('libpython3.11.so.1.0'),
      '/usr/lib/libold.so.2': lib('libold.so.2'),
    });
    const scan = ldconfigScan(tree, 'amd64');
    expect(scan.entries.map((e) => `${e.lib} => ${e.path}`)).toEqual([
      'libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1',
      'libz.so => /lib/x86_64-linux-gnu/libz.so',
      'libpython3.11.so.1.0 => /usr/local/lib/libpython3.11.so.1.0',
      'libold.so.2 => /lib/libold.so.2',
    ]);
    expect(scan.entries.every((e) => e.flags === (FLAG_X8664_LIB64 | FLAG_ELF_LIBC6))).toBe(true);
    expect(scan.links).toEqual([]);
  });

  it('reports the SONAME link it would create and the dangling link it would remove', () => {
    const tree = memTree({
      ...MULTIARCH_CONF,
      [`${T}/libnew.so.3.0.1`]: lib('libnew.so.3'),
      [`${T}/libgone.so.1`]: { link: 'libgone.so.1.0' },
    });
    const scan = ldconfigScan(tree, 'amd64');
    expect(scan.entries.map((e) => e.path)).toEqual(['/lib/x86_64-linux-gnu/libnew.so.3']);
    expect(scan.links).toEqual([{ path: `${T}/libnew.so.3`, target: 'libnew.so.3.0.1' }]);
    expect(scan.removed).toEqual([`${T}/libgone.so.1`]);
  });

  it('takes the newest of two files with one SONAME', () => {
    const tree = memTree({
      ...MULTIARCH_CONF,
      [`${T}/libv.so.1.9`]: lib('libv.so.1'),
      [`${T}/libv.so.1.10`]: lib('libv.so.1'),
    });
    expect(ldconfigScan(tree, 'amd64').links).toEqual([
      { path: `${T}/libv.so.1`, target: 'libv.so.1.10' },
    ]);
  });

  it('skips what is no library: scripts, executables, foreign machines, hostile files', () => {
    const hostile = lib('libh.so.1');
    hostile.writeUInt16LE(0xffff, 56);
    const tree = memTree({
      ...MULTIARCH_CONF,
      [`${T}/libc.so`]: '/* GNU ld script */\nGROUP ( libc.so.6 )\n',
      [`${T}/libexe.so.1`]: lib('libexe.so.1', { type: 2 }),
      [`${T}/libarm.so.1`]: lib('libarm.so.1', { machine: EM_AARCH64 }),
      [`${T}/libh.so.1`]: hostile,
      [`${T}/libtrunc.so.1`]: lib('libtrunc.so.1').subarray(0, 80),
    });
    expect(ldconfigScan(tree, 'amd64').entries).toEqual([]);
    // aarch64's ldconfig looks at the class only: the same foreign file enters there.
    const arm = memTree({
      '/etc/ld.so.conf': '/opt/l\n',
      '/opt/l/libx86.so.1': lib('libx86.so.1'),
    });
    expect(ldconfigScan(arm, 'arm64').entries).toMatchObject([
      { lib: 'libx86.so.1', flags: FLAG_AARCH64_LIB64 | FLAG_ELF_LIBC6 },
    ]);
  });

  it('follows relative includes in C order, types, and glibc-hwcaps and tls subdirectories', () => {
    const tree = memTree({
      '/etc/ld.so.conf': 'include conf.d/*.conf\n',
      '/etc/conf.d/b.conf': '/opt/b\n',
      '/etc/conf.d/a.conf': '/opt/a=libc6  \nhwcap 0 x\n/opt/missing\n',
      '/etc/conf.d/.hidden.conf': '/opt/hidden\n',
      '/opt/a/libs.so.1': lib('libs.so.1'),
      '/opt/b/libs.so.1': lib('libs.so.1'),
      '/opt/hidden/libh.so.1': lib('libh.so.1'),
      '/opt/b/glibc-hwcaps/x86-64-v3/libs.so.1.0': lib('libs.so.1'),
      '/opt/b/tls/libs.so.1': lib('libs.so.1'),
    });
    const scan = ldconfigScan(tree, 'amd64');
    expect(scan.entries.map((e) => e.path)).toEqual([
      '/opt/b/glibc-hwcaps/x86-64-v3/libs.so.1.0',
      '/opt/b/tls/libs.so.1',
      '/opt/a/libs.so.1',
      '/opt/b/libs.so.1',
    ]);
    expect(scan.entries[1]!.hwcap).toBe(1n << 63n);
    expect(scan.hwcapsNames).toEqual(['x86-64-v3']);
  });

  it('records the x86 ISA level of glibc-hwcaps entries (highest level bit: v3 is 2)', () => {
    const tree = memTree({
      '/etc/ld.so.conf': '/opt/i\n',
      '/opt/i/glibc-hwcaps/x86-64-v3/libi.so.1': lib('libi.so.1', { x86Isa: 0b0100 }),
      '/opt/i/libi.so.1': lib('libi.so.1', { x86Isa: 0b0100 }),
    });
    const scan = ldconfigScan(tree, 'amd64');
    expect(scan.entries.map((e) => [e.path, e.isaLevel])).toEqual([
      ['/opt/i/glibc-hwcaps/x86-64-v3/libi.so.1', 2],
      ['/opt/i/libi.so.1', 2],
    ]);
    const bytes = serializeCache(scan.entries, { generator: 'g' });
    expect(bytes.readBigUInt64LE(48 + 16)).toBe((1n << 62n) | (2n << 32n));
    expect(bytes.readBigUInt64LE(48 + 24 + 16)).toBe(0n); // only glibc-hwcaps entries carry it
  });

  it('wraps hwcap bits as a uint64_t does (tls inside tls)', () => {
    const tree = memTree({
      '/etc/ld.so.conf': '/opt/t/tls/tls\n/opt/t/tls/haswell\n',
      '/opt/t/tls/tls/libw.so.1': lib('libw.so.1'),
      '/opt/t/tls/haswell/libw.so.1': lib('libw.so.1'),
    });
    expect(ldconfigScan(tree, 'amd64').entries.map((e) => e.hwcap)).toEqual([
      (1n << 63n) | (1n << 50n),
      0n,
    ]);
  });

  it('stops an include that includes itself', () => {
    const tree = memTree({
      '/etc/ld.so.conf': 'include /etc/ld.so.conf\n/opt/l\n',
      '/opt/l/libl.so.1': lib('libl.so.1'),
    });
    expect(ldconfigScan(tree, 'amd64').entries.map((e) => e.path)).toEqual(['/opt/l/libl.so.1']);
  });
});
