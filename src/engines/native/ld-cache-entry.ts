/**
 * The image's /etc/ld.so.cache after `apt-get install`: libc-bin's ldconfig
 * trigger, which every package shipping shared libraries activates, rewrites
 * it for the final tree. Here that tree is the base (its listing, plus the
 * ELF facts and ld.so.conf files `readBaseLdFacts` took from its layers)
 * with every package's kept paths laid over it, and the cache is computed by
 * dpkg/ld-so-cache.ts, byte for byte what bookworm's ldconfig writes.
 */
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseTree } from '../../oci/base-tree.js';
import { readBaseTree } from '../../oci/base-tree.js';
import type { FileEntry } from '../../oci/file-entry.js';
import { walkSymlinks } from '../../oci/symlink-walk.js';
import { bufferSource, readElf, type ElfResult } from '../../elf/elf.js';
import {
  isDsoName,
  isLdArch,
  ldconfigScan,
  serializeCache,
  type LdTree,
} from '../../dpkg/ld-so-cache.js';
import { usrMergeMap } from '../../dpkg/usrmerge.js';
import { whiteout } from '../../image/write-layer.js';
import { writeFileAtomic } from '../../fs.js';
import type { DebMeta } from './deb-meta.js';
import { keptPaths, type PathFilter } from './dpkg-filter.js';

/** What ldconfig reads of the base that the base tree does not keep. */
export interface BaseLdFacts {
  /** Base paths ("usr/lib/x86_64-linux-gnu/libz.so.1.2.13") of library-named files and their facts. */
  elf: Map<string, ElfResult>;
  /** etc/ld.so.conf and etc/ld.so.conf.d/* of the base. */
  conf: Map<string, string>;
  /** The generator string of the base's own cache ("ldconfig (Debian GLIBC 2.36-9+deb12u14) ..."). */
  generator?: string;
}

const LD_CONF = /^etc\/ld\.so\.conf(?:$|\.d\/)/;
const CACHE = 'etc/ld.so.cache';

/** The generator string in a cache's extension section, when it has one (bounds-checked). */
export function cacheGenerator(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 48 || b.toString('latin1', 0, 20) !== 'glibc-ld.so.cache1.1') return undefined;
  const ext = b.readUInt32LE(32);
  if (ext === 0 || ext + 8 > b.length || b.readUInt32LE(ext) !== 0xeaa42174) return undefined;
  const count = Math.min(b.readUInt32LE(ext + 4), 16);
  for (let i = 0; i < count; i++) {
    const at = ext + 8 + i * 16;
    if (at + 16 > b.length) return undefined;
    if (b.readUInt32LE(at) !== 0) continue;
    const offset = b.readUInt32LE(at + 8);
    const size = b.readUInt32LE(at + 12);
    if (offset + size > b.length) return undefined;
    return b.toString('latin1', offset, offset + size);
  }
  return undefined;
}

/** The base files whose contents the ld facts are taken from. */
export function keepLdFile(path: string): boolean {
  return isDsoName(basename(path)) || LD_CONF.test(path) || path === CACHE;
}

const ldFactsPath = (cacheRoot: string, manifestDigest: string) =>
  join(cacheRoot, 'derived', 'base-ld-v1', `${manifestDigest}.json`);

/**
 * Takes the ld facts of a base tree read with `keepLdFile`'s contents and
 * keeps them in the cache: base.ts does this in its one pass over the
 * layers, so that `readBaseLdFacts` finds them there.
 */
export async function saveBaseLdFacts(
  tree: BaseTree,
  manifestDigest: string,
  cacheRoot: string,
): Promise<BaseLdFacts> {
  const facts = baseLdFactsOf(tree);
  await writeFileAtomic(ldFactsPath(cacheRoot, manifestDigest), formatBaseLdFacts(facts));
  return facts;
}

/**
 * The facts of a base; cached under `cacheRoot` by the image's manifest
 * digest (base.ts saves them when it reads the base). Read from its layers
 * when the cache lacks them.
 */
export async function readBaseLdFacts(
  layerBlobs: readonly string[],
  manifestDigest: string,
  cacheRoot: string,
): Promise<BaseLdFacts> {
  const path = ldFactsPath(cacheRoot, manifestDigest);
  try {
    return parseBaseLdFacts(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  // Libraries are kept whole only while this pass runs (~40 MB for a slim base); only their facts stay.
  return saveBaseLdFacts(await readBaseTree(layerBlobs, keepLdFile), manifestDigest, cacheRoot);
}

/** Pure part of readBaseLdFacts: a tree whose library and ld.so.conf contents were kept. */
export function baseLdFactsOf(tree: BaseTree): BaseLdFacts {
  const elf = new Map<string, ElfResult>();
  const conf = new Map<string, string>();
  for (const p of tree.paths()) {
    const node = tree.get(p);
    if (node?.type !== 'file') continue;
    const data = tree.read(p);
    if (!data) continue;
    if (isDsoName(basename(p))) elf.set(p, readElf(bufferSource(data)));
    if (LD_CONF.test(p)) conf.set(p, data.toString('latin1'));
  }
  const cache = tree.read(CACHE);
  const generator = cache ? cacheGenerator(cache) : undefined;
  return { elf, conf, ...(generator !== undefined ? { generator } : {}) };
}

export function formatBaseLdFacts(f: BaseLdFacts): string {
  return JSON.stringify({
    elf: Object.fromEntries(f.elf),
    conf: Object.fromEntries(f.conf),
    generator: f.generator,
  });
}

export function parseBaseLdFacts(text: string): BaseLdFacts {
  const o = JSON.parse(text) as {
    elf: Record<string, ElfResult>;
    conf: Record<string, string>;
    generator?: string;
  };
  return {
    elf: new Map(Object.entries(o.elf)),
    conf: new Map(Object.entries(o.conf)),
    ...(o.generator !== undefined ? { generator: o.generator } : {}),
  };
}

type NodeType = 'file' | 'directory' | 'symlink' | 'other';
interface Node {
  type: NodeType;
  linkname?: string;
}

const TRIGGER = /^\s*activate(?:-noawait)?\s+ldconfig\s*$/m;

/** Whether apt's run would call ldconfig: a package activates libc-bin's trigger, or is libc-bin. */
export function ldconfigTriggered(debs: readonly DebMeta[]): boolean {
  return debs.some((d) => {
    if (d.name === 'libc-bin') return true;
    const triggers = d.control.get('triggers');
    return triggers !== undefined && TRIGGER.test(Buffer.from(triggers).toString('utf8'));
  });
}

/**
 * The generator string of the ldconfig that runs: libc-bin's, which an
 * installed libc-bin package replaces (its version goes into the string).
 */
export function generatorFor(base: BaseLdFacts, debs: readonly DebMeta[]): string | undefined {
  const libcBin = debs.find((d) => d.name === 'libc-bin');
  const version = libcBin
    ? /^Version:\s*(\S+)/m.exec(
        Buffer.from(libcBin.control.get('control') ?? '').toString('utf8'),
      )?.[1]
    : undefined;
  const upstream = version ? /^(?:\d+:)?(\d+\.\d+)/.exec(version)?.[1] : undefined;
  if (base.generator !== undefined) {
    if (!version || !upstream) return base.generator;
    return base.generator.replace(
      /^(ldconfig \(\S+ GLIBC )\S+(\) \S+ release version )\S+$/,
      `$1${version}$2${upstream}`,
    );
  }
  return version && upstream
    ? `ldconfig (Debian GLIBC ${version}) stable release version ${upstream}`
    : undefined;
}

export interface LdCacheResult {
  /** etc/ld.so.cache, root:root 0644; absent when apt would not run ldconfig. */
  entry?: FileEntry;
  /** SONAME links ldconfig would create (apt runs it without -X). */
  links: FileEntry[];
  /** Dangling lib*.so.* symlinks ldconfig would delete. */
  removed: string[];
  warnings: string[];
}

/**
 * The final tree as an LdTree: the base's nodes with the packages' kept
 * paths over them, in install order, landing through merged-/usr links.
 */
function overlayTree(
  tree: BaseTree,
  topLinks: ReadonlyMap<string, string>,
  base: BaseLdFacts,
  debs: readonly DebMeta[],
  filters: readonly PathFilter[],
): LdTree {
  const nodes = new Map<string, Node>();
  const children = new Map<string, Set<string>>();
  const elf = new Map<string, ElfResult>();
  const conf = new Map<string, string>();
  const map = usrMergeMap((top) => topLinks.get(top));
  const addChild = (path: string) => {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    let set = children.get(parent);
    if (!set) children.set(parent, (set = new Set()));
    set.add(path.slice(slash + 1));
    if (parent !== '' && !nodes.has(parent) && tree.get(parent) === undefined) {
      nodes.set(parent, { type: 'directory' });
      addChild(parent);
    }
  };
  for (const d of debs) {
    const dirs = new Set(d.ld.dirs);
    const kept = keptPaths(d.paths, filters, (p) => dirs.has(p) || d.ld.symlinks.has(p));
    for (const raw of d.paths) {
      if (!kept.has(raw)) continue;
      const path = map(raw);
      if (path === '') continue;
      const link = d.ld.symlinks.get(raw);
      const hard = d.ld.hardlinks.get(raw);
      let node: Node;
      if (dirs.has(raw)) {
        // A directory over an existing one (or a symlink to one) merges.
        if (nodes.has(path) || tree.get(path) !== undefined) continue;
        node = { type: 'directory' };
      } else if (link !== undefined) node = { type: 'symlink', linkname: link };
      else node = { type: 'file' };
      nodes.set(path, node);
      addChild(path);
      elf.delete(path);
      conf.delete(path);
      const facts = d.ld.elf.get(hard ?? raw);
      if (facts) elf.set(path, facts);
      const text = d.ld.conf.get(raw);
      if (text !== undefined) conf.set(path, text);
    }
  }
  const lstat = (abs: string): NodeType | undefined => {
    const rel = abs.replace(/^\/+/, '');
    if (rel === '') return 'directory';
    const n = nodes.get(rel) ?? tree.get(rel);
    if (!n) return undefined;
    return n.type === 'hardlink' ? 'file' : (n.type as NodeType);
  };
  const realpath = (abs: string): string | undefined => {
    const parts = walkSymlinks(abs, (rel) => nodes.get(rel) ?? tree.get(rel), {
      followFinal: true,
      existing: true,
    });
    return parts && `/${parts.join('/')}`;
  };
  return {
    lstat,
    realpath,
    list: (dir) => {
      const rel = dir.replace(/^\/+/, '');
      return [...new Set([...tree.list(rel), ...(children.get(rel) ?? [])])];
    },
    readText: (path) => {
      const real = realpath(path);
      if (real === undefined) return undefined;
      const rel = real.slice(1);
      return nodes.has(rel) ? conf.get(rel) : base.conf.get(rel);
    },
    elf: (path) => {
      const rel = path.slice(1);
      if (nodes.has(rel)) return elf.get(rel);
      const n = tree.get(rel);
      return base.elf.get(n?.type === 'hardlink' ? n.linkname! : rel);
    },
  };
}

/**
 * etc/ld.so.cache (and the links ldconfig makes) for the base plus `debs`,
 * when apt's run would have called ldconfig; nothing when it would not.
 */
export function ldSoCache(
  tree: BaseTree,
  topLinks: ReadonlyMap<string, string>,
  base: BaseLdFacts,
  debs: readonly DebMeta[],
  filters: readonly PathFilter[],
  /** dpkg's architecture of the image: amd64, arm64. */
  arch: string,
): LdCacheResult {
  if (!ldconfigTriggered(debs)) return { links: [], removed: [], warnings: [] };
  const generator = generatorFor(base, debs);
  if (!isLdArch(arch) || generator === undefined)
    return {
      links: [],
      removed: [],
      warnings: [
        isLdArch(arch)
          ? 'ld.so.cache: the base has no /etc/ld.so.cache and no libc-bin is installed; the cache is left as it is (run ldconfig in the image)'
          : `ld.so.cache: kubox computes it for amd64 and arm64, not ${arch}; the base's cache is kept (run ldconfig in the image)`,
      ],
    };
  const scan = ldconfigScan(overlayTree(tree, topLinks, base, debs, filters), arch);
  const data = serializeCache(scan.entries, { generator, hwcapsNames: scan.hwcapsNames });
  return {
    entry: { path: CACHE, type: 'file', mode: 0o644, uid: 0, gid: 0, data },
    links: scan.links.map((l) => ({
      path: l.path.slice(1),
      type: 'symlink',
      mode: 0o777,
      uid: 0,
      gid: 0,
      linkname: l.target,
    })),
    removed: scan.removed.map((p) => p.slice(1)),
    warnings: [],
  };
}

/** The layer entries of a result: the cache, the links ldconfig makes, whiteouts for those it deletes. */
export function ldCacheLayerEntries(r: LdCacheResult): FileEntry[] {
  return [...(r.entry ? [r.entry] : []), ...r.links, ...r.removed.map(whiteout)];
}
