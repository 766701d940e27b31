/**
 * /etc/ld.so.cache as glibc 2.36's ldconfig (Debian bookworm) writes it for
 * a file tree: which directories it scans (ld.so.conf with its includes, the
 * built-in multiarch and /lib, /usr/lib directories, glibc-hwcaps and legacy
 * hwcap subdirectories, each directory once by its real path), which files
 * enter (SONAMEs, `.so` development links), how they sort (_dl_cache_libcmp),
 * and the bytes: the "glibc-ld.so.cache1.1" format only (`--format=new`, the
 * default since 2.32) with its tail-merged string table and the extension
 * section naming the generator. Pure over an `LdTree`; follows elf/ldconfig.c,
 * elf/cache.c and elf/stringtable.c of glibc 2.36.
 */
import type { ElfResult } from '../elf/elf.js';
import { EM_386, EM_X86_64 } from '../elf/elf.js';

export const FLAG_ELF = 0x0001;
export const FLAG_ELF_LIBC5 = 0x0002;
export const FLAG_ELF_LIBC6 = 0x0003;
export const FLAG_X8664_LIB64 = 0x0300;
export const FLAG_X8664_LIBX32 = 0x0800;
export const FLAG_ARM_LIBHF = 0x0900;
export const FLAG_AARCH64_LIB64 = 0x0a00;
export const FLAG_ARM_LIBSF = 0x0b00;
const FLAG_ANY = -1;

/** What the cache needs to see of the image's filesystem; paths are absolute ("/usr/lib"). */
export interface LdTree {
  /** The node at `path` itself (a final symlink not followed). */
  lstat(path: string): 'file' | 'directory' | 'symlink' | 'other' | undefined;
  /** The real path `path` names with every symlink followed, or undefined if dangling or a loop. */
  realpath(path: string): string | undefined;
  /** Entry names of the directory at real path `dir`. */
  list(dir: string): string[];
  /** A text file's contents (symlinks followed). */
  readText(path: string): string | undefined;
  /** The ELF facts of the regular file at real path `path`; undefined when none were recorded. */
  elf(path: string): ElfResult | undefined;
}

export type LdArch = 'amd64' | 'arm64';

interface ArchInfo {
  triplet: string;
  /** `char` is signed on x86 and unsigned on arm: _dl_cache_libcmp compares chars. */
  signedChar: boolean;
  /** Legacy hwcap and platform names and their bit (dl-procinfo of ldconfig's build). */
  hwcaps: Map<string, number>;
  /** Those ldconfig descends into as subdirectories (HWCAP_IMPORTANT and the platforms). */
  important: ReadonlySet<string>;
  /** The flag ldconfig's sysdeps readelflib.c gives a file, or undefined when it skips it. */
  classify(elf: Extract<ElfResult, { kind: 'elf' }>): number | undefined;
  /** The ISA level a glibc-hwcaps entry records (x86 only: elf-read-prop.h). */
  isaLevel(elf: Extract<ElfResult, { kind: 'elf' }>): number;
}

/** x86: the highest ISA level bit set (baseline 0, v2 1, v3 2, v4 3). */
const highestBit = (v: number | undefined) => (v ? 31 - Math.clz32(v) : 0);

const TLS_HWCAP_BIT = 63;

/** _dl_aarch64_cap_flags: bit i of AT_HWCAP is the i-th name. */
const AARCH64_HWCAPS = [
  'fp',
  'asimd',
  'evtstrm',
  'aes',
  'pmull',
  'sha1',
  'sha2',
  'crc32',
  'atomics',
  'fphp',
  'asimdhp',
  'cpuid',
  'asimdrdm',
  'jscvt',
  'fcma',
  'lrcpc',
  'dcpop',
  'sha3',
  'sm3',
  'sm4',
  'asimddp',
  'sha512',
  'sve',
  'asimdfhm',
  'dit',
  'uscat',
  'ilrcpc',
  'flagm',
  'ssbs',
  'sb',
  'paca',
  'pacg',
];

/** known_libs of ldconfig: what a 32-bit object links decides its libc flavour. */
function genericFlag(needed: readonly string[]): number {
  for (const n of needed) {
    if (n === 'libc.so.6' || n === 'libm.so.6') return FLAG_ELF_LIBC6;
    if (n === 'libc.so.5' || n === 'libm.so.5') return FLAG_ELF_LIBC5;
  }
  return FLAG_ELF;
}

const ARCHES: Record<LdArch, ArchInfo> = {
  amd64: {
    triplet: 'x86_64-linux-gnu',
    signedChar: true,
    // ldconfig covers i386 and x86-64: hwcaps sse2, x86_64, avx512_1 (bits 0-2); platforms from bit 48.
    hwcaps: new Map([
      ['sse2', 0],
      ['x86_64', 1],
      ['avx512_1', 2],
      ['i586', 48],
      ['i686', 49],
      ['haswell', 50],
      ['xeon_phi', 51],
    ]),
    important: new Set(['sse2', 'x86_64', 'avx512_1', 'i586', 'i686', 'haswell', 'xeon_phi']),
    classify: (elf) => {
      if (elf.machine === EM_X86_64)
        return elf.elfClass === 64
          ? FLAG_X8664_LIB64 | FLAG_ELF_LIBC6
          : FLAG_X8664_LIBX32 | FLAG_ELF_LIBC6;
      if (elf.machine === EM_386 && elf.elfClass === 32) return genericFlag(elf.needed);
      return undefined; // "is for unknown machine"
    },
    isaLevel: (elf) => highestBit(elf.x86IsaNeeded),
  },
  arm64: {
    triplet: 'aarch64-linux-gnu',
    signedChar: false,
    // The kernel's AT_HWCAP bits by name; only atomics is HWCAP_IMPORTANT, and there are no platforms.
    hwcaps: new Map(AARCH64_HWCAPS.map((name, bit) => [name, bit])),
    important: new Set(['atomics']),
    // aarch64's readelflib.c looks at the class only, never at e_machine.
    classify: (elf) => {
      if (elf.elfClass === 64) return FLAG_AARCH64_LIB64 | FLAG_ELF_LIBC6;
      const EF_ARM_EABI_VER5 = 0x05000000;
      if ((elf.flags & 0xff000000) === EF_ARM_EABI_VER5) {
        if (elf.flags & 0x400) return FLAG_ARM_LIBHF | FLAG_ELF_LIBC6;
        if (elf.flags & 0x200) return FLAG_ARM_LIBSF | FLAG_ELF_LIBC6;
      }
      return genericFlag(elf.needed);
    },
    isaLevel: () => 0,
  },
};

export function isLdArch(arch: string): arch is LdArch {
  return arch === 'amd64' || arch === 'arm64';
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * glibc's _dl_cache_libcmp: runs of digits compare as numbers (libfoo.so.10
 * after libfoo.so.9), everything else as C chars. Ints wrap as in C.
 */
export function libcmp(a: string, b: string, signedChar = true): number {
  // Names are latin1 strings (one char per byte): charCodeAt is the byte, no copies.
  const ch = (s: string, i: number) => {
    const c = i < s.length ? s.charCodeAt(i) & 0xff : 0;
    return signedChar && c > 127 ? c - 256 : c;
  };
  let i = 0;
  let j = 0;
  while (ch(a, i) !== 0) {
    const c1 = ch(a, i);
    const c2 = ch(b, j);
    if (isDigit(c1)) {
      if (!isDigit(c2)) return 1;
      let v1 = 0;
      let v2 = 0;
      while (isDigit(ch(a, i))) v1 = (Math.imul(v1, 10) + ch(a, i++) - 0x30) | 0;
      while (isDigit(ch(b, j))) v2 = (Math.imul(v2, 10) + ch(b, j++) - 0x30) | 0;
      if (v1 !== v2) return (v1 - v2) | 0;
    } else if (isDigit(c2)) return -1;
    else if (c1 !== c2) return c1 - c2;
    else {
      i++;
      j++;
    }
  }
  return ch(a, i) - ch(b, j);
}

/** dl-is_dso.h: lib*.so*, ld-*.so*, ld.so.*, ld64.so.*. */
export function isDsoName(name: string): boolean {
  return (
    ((name.startsWith('lib') || name.startsWith('ld-')) && name.includes('.so')) ||
    name.startsWith('ld.so.') ||
    name.startsWith('ld64.so.')
  );
}

export interface CacheEntry {
  /** The key: a SONAME (or a link's own name). */
  lib: string;
  /** The value: the path the dynamic linker opens. */
  path: string;
  flags: number;
  /** Legacy hwcap bits of the directory (tls is bit 63). */
  hwcap: bigint;
  /** The glibc-hwcaps subdirectory name, for entries found in one. */
  hwcaps?: string;
  isaLevel: number;
}

/** A SONAME symlink ldconfig would create or replace (it does unless run with -X). */
export interface LdLink {
  /** The link's real path (its directory with every symlink followed). */
  path: string;
  target: string;
}

export interface LdScan {
  entries: CacheEntry[];
  /** Every glibc-hwcaps subdirectory name seen: ldconfig interns them even when unused. */
  hwcapsNames: string[];
  links: LdLink[];
  /** Dangling lib symlinks ldconfig would delete. */
  removed: string[];
}

interface DirEntry {
  path: string;
  flag: number;
  id: string;
  hwcaps?: string;
}

const LIB_TYPES: Record<string, number> = {
  libc4: 0x0000,
  libc5: FLAG_ELF_LIBC5,
  libc6: FLAG_ELF_LIBC6,
  glibc2: FLAG_ELF_LIBC6,
};

const MAX_INCLUDE_DEPTH = 16;

const dirname = (p: string) => {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
};
const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const isSpace = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** fnmatch without flags but FNM_PERIOD-like leading dots, as glob(3) matches one component. */
function componentMatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let set = pattern.slice(i + 1, close);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`, 's').test(name);
  } catch {
    return false;
  }
}

/** glob(3) of an absolute pattern inside the tree, sorted as in the C locale. */
function glob(tree: LdTree, pattern: string): string[] {
  let found = ['/'];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        const p = join(dir, part);
        if (tree.lstat(p) !== undefined) next.push(p);
        continue;
      }
      const real = tree.realpath(dir);
      if (real === undefined || tree.lstat(real) !== 'directory') continue;
      for (const name of tree.list(real))
        if (componentMatch(part, name)) next.push(join(dir, name));
    }
    found = next;
  }
  return found.sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
}

/** What ldconfig (without -n, -X or -f) would put in the cache of `tree`, and the links it would make. */
export function ldconfigScan(tree: LdTree, arch: LdArch): LdScan {
  const info = ARCHES[arch];
  const dirs: DirEntry[] = [];
  const hwcapsNames = new Set<string>();
  const links: LdLink[] = [];
  const removed: string[] = [];

  const addSingle = (e: DirEntry): boolean => {
    const dup = dirs.find((d) => d.id === e.id);
    if (dup) {
      dup.flag = e.flag; // "Use the newer information."
      return false;
    }
    dirs.push(e);
    return true;
  };

  const addHwcapsSubdirs = (entry: DirEntry, real: string) => {
    const base = join(real, 'glibc-hwcaps');
    const realBase = tree.realpath(base);
    if (realBase === undefined || tree.lstat(realBase) !== 'directory') return;
    for (const name of tree.list(realBase).sort()) {
      if (name.startsWith('.') || name.includes(':')) continue;
      if (tree.lstat(join(realBase, name)) === 'file') continue;
      const id = tree.realpath(join(realBase, name));
      if (id === undefined || tree.lstat(id) !== 'directory') continue;
      hwcapsNames.add(name);
      addSingle({ path: `${entry.path}/glibc-hwcaps/${name}`, flag: entry.flag, id, hwcaps: name });
    }
  };

  const addDir = (line: string) => {
    let path = line;
    let flag = FLAG_ANY;
    const eq = path.indexOf('=');
    if (eq >= 0) {
      flag = LIB_TYPES[path.slice(eq + 1)] ?? FLAG_ANY;
      path = path.slice(0, eq);
    }
    let end = path.length;
    while (end > 0 && isSpace(path[end - 1]!)) end--;
    while (end > 0 && path[end - 1] === '/') end--;
    path = path.slice(0, end);
    if (path === '') return;
    // ldconfig -r chroots first: a relative directory resolves from the root.
    const id = tree.realpath(path.startsWith('/') ? path : `/${path}`);
    if (id === undefined) return;
    const entry: DirEntry = { path, flag, id };
    if (addSingle(entry)) addHwcapsSubdirs(entry, id);
  };

  const parseConf = (file: string, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH) return; // ldconfig would recurse until it crashes
    const text = tree.readText(file);
    if (text === undefined) return;
    for (const raw of text.split('\n')) {
      let line = raw;
      const nul = line.indexOf('\0');
      if (nul >= 0) line = line.slice(0, nul);
      const hash = line.indexOf('#');
      if (hash >= 0) line = line.slice(0, hash);
      let i = 0;
      while (i < line.length && isSpace(line[i]!)) i++;
      const cp = line.slice(i);
      if (cp === '') continue;
      if (cp.startsWith('include') && (cp[7] === ' ' || cp[7] === '\t')) {
        for (const word of cp.slice(8).split(/[ \t]/)) {
          if (word === '') continue;
          const pattern = word.startsWith('/') ? word : join(dirname(file), word);
          for (const f of glob(tree, pattern)) parseConf(f, depth + 1);
        }
      } else if (/^hwcap[ \t]/i.test(cp)) continue;
      else addDir(cp);
    }
  };

  parseConf('/etc/ld.so.conf', 0);
  // Debian's slibdir and libdir, then the /lib and /usr/lib its ldconfig always adds.
  for (const d of [`/lib/${info.triplet}`, `/usr/lib/${info.triplet}`, '/lib', '/usr/lib'])
    addDir(d);

  const pathHwcap = (path: string): bigint => {
    let hwcap = 0n;
    const parts = path.split('/');
    while (parts.length > 1) {
      const name = parts.pop()!;
      const bit = name === 'tls' ? TLS_HWCAP_BIT : info.hwcaps.get(name);
      if (bit === undefined) break;
      // uint64_t in C: tls/tls carries past bit 63 and wraps.
      hwcap = (hwcap + (1n << BigInt(bit))) & 0xffffffffffffffffn;
    }
    return hwcap;
  };
  const isHwcapPlatform = (name: string) => name === 'tls' || info.important.has(name);

  const entries: CacheEntry[] = [];
  // Directories found while scanning (legacy hwcap subdirectories) join the end of the list.
  for (let di = 0; di < dirs.length; di++) {
    const entry = dirs[di]!;
    const hwcap = entry.hwcaps === undefined ? pathHwcap(entry.path) : 0n;
    if (tree.lstat(entry.id) !== 'directory') continue;
    interface Dlib {
      name: string;
      soname: string;
      flag: number;
      isLink: boolean;
      isaLevel: number;
    }
    const dlibs: Dlib[] = [];
    for (const name of tree.list(entry.id)) {
      const type = tree.lstat(join(entry.id, name));
      if (type === undefined || type === 'other') continue;
      if (
        !isDsoName(name) &&
        (type === 'file' || (entry.hwcaps === undefined && !isHwcapPlatform(name)))
      )
        continue;
      if (name.endsWith('.#prelink#') || /\.#prelink#\.......$/.test(name)) continue;
      const filePath = join(entry.path, name);
      const realPath = join(entry.id, name);
      let isLink = type === 'symlink';
      const target = tree.realpath(realPath);
      if (target === undefined) {
        if (isLink && name.includes('.so.')) removed.push(realPath);
        continue;
      }
      const isDir = tree.lstat(target) === 'directory';
      if (entry.hwcaps === undefined && isDir && isHwcapPlatform(name)) {
        addSingle({ path: filePath, flag: entry.flag, id: target });
        continue;
      }
      if (type !== 'file' && !isLink) continue;
      if (isDir) continue;
      const elf = tree.elf(target);
      if (elf === undefined || elf.kind !== 'elf') continue;
      let flag = info.classify(elf);
      if (flag === undefined) continue;
      const isaLevel = info.isaLevel(elf);
      let soname = elf.soname ?? name;
      if (isLink && name !== soname) {
        if (!(name.endsWith('.so') && soname.startsWith(name))) isLink = false;
      }
      if (isLink) soname = name;
      if (flag === FLAG_ELF && (entry.flag === FLAG_ELF_LIBC5 || entry.flag === FLAG_ELF_LIBC6))
        flag = entry.flag;
      const old = dlibs.find((d) => d.soname === soname);
      if (old) {
        if (
          (!isLink && old.isLink) ||
          (isLink === old.isLink && libcmp(old.name, name, info.signedChar) < 0)
        ) {
          if (old.flag !== flag && old.flag === FLAG_ELF) old.flag = flag;
          else if (old.flag !== flag && flag === FLAG_ELF) old.flag = flag;
          old.name = name;
          old.isLink = isLink;
          old.isaLevel = isaLevel;
        }
        continue;
      }
      // ldconfig keeps a list it adds to at the head.
      dlibs.unshift({ name, soname, flag, isLink, isaLevel });
    }
    for (const d of dlibs) {
      let filename: string;
      if (entry.hwcaps === undefined) {
        if (!d.isLink) {
          const link = neededLink(tree, entry.id, d.name, d.soname);
          // Written where the directory really is (a layer must not write through /lib -> usr/lib).
          if (link) links.push({ path: join(entry.id, d.soname), target: d.name });
        }
        filename = d.soname;
      } else filename = d.name;
      entries.push({
        lib: d.soname,
        path: join(entry.path, filename),
        flags: d.flag,
        hwcap,
        ...(entry.hwcaps !== undefined ? { hwcaps: entry.hwcaps } : {}),
        isaLevel: d.isaLevel,
      });
    }
  }
  return {
    entries: sortEntries(entries, info.signedChar),
    hwcapsNames: [...hwcapsNames],
    links,
    removed,
  };
}

/** create_links: true when dir/soname is missing, or a symlink to some other file. */
function neededLink(tree: LdTree, dir: string, name: string, soname: string): boolean {
  if (name === soname) return false;
  const so = join(dir, soname);
  const soReal = tree.realpath(so);
  if (soReal !== undefined) {
    if (soReal === tree.realpath(join(dir, name))) return false;
    return tree.lstat(so) === 'symlink'; // a regular file in the way is left alone
  }
  return true;
}

const popcount = (v: bigint) => {
  let n = 0;
  for (let x = v; x > 0n; x >>= 1n) if (x & 1n) n++;
  return n;
};

/** cache.c's insertion order: by key descending, then flags, glibc-hwcaps first, hwcap bits. */
export function sortEntries(entries: readonly CacheEntry[], signedChar = true): CacheEntry[] {
  const compare = (e1: CacheEntry, e2: CacheEntry): number => {
    const res = libcmp(e2.lib, e1.lib, signedChar);
    if (res !== 0) return res;
    if (e1.flags !== e2.flags) return e1.flags < e2.flags ? 1 : -1;
    if (e1.hwcaps !== undefined && e2.hwcaps === undefined) return -1;
    if (e1.hwcaps === undefined && e2.hwcaps !== undefined) return 1;
    if (e1.hwcaps !== undefined && e2.hwcaps !== undefined && e1.hwcaps !== e2.hwcaps)
      return Buffer.compare(Buffer.from(e1.hwcaps), Buffer.from(e2.hwcaps));
    const b1 = popcount(e1.hwcap);
    const b2 = popcount(e2.hwcap);
    if (b1 !== b2) return b2 > b1 ? 1 : -1;
    if (e1.hwcap !== e2.hwcap) return e2.hwcap > e1.hwcap ? 1 : -1;
    return 0;
  };
  // As add_to_cache: each entry goes before the first one that compares greater (found by
  // binary search: the list stays sorted), so equal entries keep the order they came in.
  const out: CacheEntry[] = [];
  for (const e of entries) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(out[mid]!, e) > 0) hi = mid;
      else lo = mid + 1;
    }
    out.splice(lo, 0, e);
  }
  return out;
}

const CACHEMAGIC_NEW = 'glibc-ld.so.cache';
const CACHE_VERSION = '1.1';
const HEADER_SIZE = 48;
const ENTRY_SIZE = 24;
const EXTENSION_MAGIC = 0xeaa42174;
const ENDIAN_LITTLE = 2;
const DL_CACHE_HWCAP_EXTENSION = 1n << 62n;

/** stringtable.c: unique strings, sorted by reversed bytes, sharing suffixes with the previous one. */
export function stringTable(strings: Iterable<string>): {
  bytes: Buffer;
  offsets: Map<string, number>;
} {
  const unique = [...new Set(strings)].map((s) => Buffer.from(s, 'latin1'));
  const offsets = new Map<string, number>();
  if (unique.length === 0) return { bytes: Buffer.alloc(0), offsets };
  unique.sort((l, r) => {
    const n = Math.min(l.length, r.length);
    for (let i = 1; i <= n; i++) {
      const lc = l[l.length - i]!;
      const rc = r[r.length - i]!;
      if (lc !== rc) return rc - lc;
    }
    return r.length - l.length; // longer first
  });
  const at: number[] = [0];
  for (let j = 1; j < unique.length; j++) {
    const prev = unique[j - 1]!;
    const cur = unique[j]!;
    at[j] =
      prev.length >= cur.length && prev.subarray(prev.length - cur.length).equals(cur)
        ? at[j - 1]! + prev.length - cur.length
        : at[j - 1]! + prev.length + 1;
  }
  const last = unique.length - 1;
  const bytes = Buffer.alloc(at[last]! + unique[last]!.length + 1);
  unique.forEach((s, j) => {
    s.copy(bytes, at[j]!);
    offsets.set(s.toString('latin1'), at[j]!);
  });
  return { bytes, offsets };
}

/**
 * save_cache with opt_format_new, little-endian: header, entries, string
 * table, then (4-aligned) the extension directory, the glibc-hwcaps index
 * array when used, and the generator string.
 */
export function serializeCache(
  entries: readonly CacheEntry[],
  opts: { generator: string; hwcapsNames?: readonly string[] },
): Buffer {
  const used = [
    ...new Set(entries.flatMap((e) => (e.hwcaps !== undefined ? [e.hwcaps] : []))),
  ].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const index = new Map(used.map((n, i) => [n, i]));
  const table = stringTable([
    ...entries.flatMap((e) => [e.path, e.lib]),
    ...(opts.hwcapsNames ?? []),
    ...used,
  ]);
  const strOffset = HEADER_SIZE + entries.length * ENTRY_SIZE;
  const stringsEnd = strOffset + table.bytes.length;
  const extOffset = Math.ceil(stringsEnd / 4) * 4;
  const extDirSize = 8 + 16 * (used.length > 0 ? 2 : 1);
  const hwcapsOffset = extOffset + extDirSize;
  const generatorOffset = hwcapsOffset + used.length * 4;
  const generator = Buffer.from(opts.generator, 'latin1');
  const out = Buffer.alloc(generatorOffset + generator.length);

  out.write(CACHEMAGIC_NEW, 0, 'latin1');
  out.write(CACHE_VERSION, 17, 'latin1');
  out.writeUInt32LE(entries.length, 20);
  out.writeUInt32LE(table.bytes.length, 24);
  out.writeUInt8(ENDIAN_LITTLE, 28);
  out.writeUInt32LE(extOffset, 32);
  entries.forEach((e, i) => {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    out.writeInt32LE(e.flags, at);
    out.writeUInt32LE(strOffset + table.offsets.get(e.lib)!, at + 4);
    out.writeUInt32LE(strOffset + table.offsets.get(e.path)!, at + 8);
    out.writeUInt32LE(0, at + 12); // osversion: 2.36 no longer reads the ABI note
    const hwcap =
      e.hwcaps === undefined
        ? e.hwcap
        : DL_CACHE_HWCAP_EXTENSION | (BigInt(e.isaLevel) << 32n) | BigInt(index.get(e.hwcaps)!);
    out.writeBigUInt64LE(hwcap, at + 16);
  });
  table.bytes.copy(out, strOffset);
  out.writeUInt32LE(EXTENSION_MAGIC, extOffset);
  out.writeUInt32LE(used.length > 0 ? 2 : 1, extOffset + 4);
  // Section 0: the generator (tag 0); section 1: glibc-hwcaps name indices (tag 1).
  out.writeUInt32LE(0, extOffset + 8);
  out.writeUInt32LE(0, extOffset + 12);
  out.writeUInt32LE(generatorOffset, extOffset + 16);
  out.writeUInt32LE(generator.length, extOffset + 20);
  if (used.length > 0) {
    out.writeUInt32LE(1, extOffset + 24);
    out.writeUInt32LE(0, extOffset + 28);
    out.writeUInt32LE(hwcapsOffset, extOffset + 32);
    out.writeUInt32LE(used.length * 4, extOffset + 36);
    used.forEach((n, i) =>
      out.writeUInt32LE(strOffset + table.offsets.get(n)!, hwcapsOffset + i * 4),
    );
  }
  generator.copy(out, generatorOffset);
  return out;
}
