/**
 * Deterministic layer blobs: the same entries, in any order, always give the
 * same tar bytes (diffId) and, on the same Node build, the same gzip bytes
 * (digest). What varies between builds of an ordinary tar (entry order, owner
 * names, mtimes, atime/ctime records, gzip header time) is fixed here.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack, type Header, type Pack } from 'tar-stream';
import { sweepStale } from '../cache.js';
import { KuboxError } from '../errors.js';
import type { FileEntry } from '../oci/file-entry.js';
import { ZLIB_CHUNK } from '../oci/zlib-chunk.js';

export interface LayerBlob {
  /** "sha256:<hex>" of the gzip blob: the manifest's layer digest. */
  digest: string;
  /** "sha256:<hex>" of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
  /** Bytes of the gzip blob. */
  size: number;
  /** The gzip blob on disk, named by its hex digest. */
  path: string;
}

/**
 * Beyond these, ustar's numeric fields overflow: tar-stream writes ids as 6
 * octal digits (and silently clamps larger ones), sizes as 11 digits (then
 * GNU base-256). PAX records carry the true value for every reader.
 */
const USTAR_MAX_ID = 0o777777;
const USTAR_MAX_SIZE = 0o77777777777;
const GZIP_LEVEL = 6;

/**
 * Maps a UTF-16 code unit so that comparing mapped units orders strings by
 * code point (= UTF-8 byte order, what tar and Go compare), with "/" below
 * every other character so that paths compare component by component.
 */
function unit(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x2f) return -1;
  if (c >= 0xe000) return c - 0x800;
  if (c >= 0xd800) return c + 0x2000;
  return c;
}

/**
 * The order of `tar --sort=name`: component by component, each component by
 * bytes. A directory comes right before its contents, and "a", "a/b", "a/c/d"
 * all come before "a-b" (because "a" < "a-b" as components, though "/" > "-"
 * as bytes).
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = unit(a, i) - unit(b, i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function checkPath(path: string): void {
  const parts = path.split('/');
  if (path === '' || parts.some((p) => p === '' || p === '.' || p === '..'))
    throw new KuboxError('build-failed', `layer entry "${path}" is not a clean relative path`, {
      hint: 'paths must look like "usr/bin/vim": no leading "/" or "./", no "." or ".." parts, no trailing "/"',
    });
}

/**
 * Entries in layer order: one per path (a later entry for a path replaces an
 * earlier one: the last writer wins), sorted with `comparePaths`, and every
 * hardlink pointing at an entry earlier in the list. When sorting would put a
 * hardlink before its target, the first path of the group carries the file
 * and the others (the original target included) become links to it.
 * Hardlinks to paths not in `entries` (a lower layer's file) are kept as given.
 */
export function sortEntries(entries: readonly FileEntry[]): FileEntry[] {
  const byPath = new Map<string, FileEntry>();
  for (const e of entries) {
    checkPath(e.path);
    if (e.type === 'hardlink') checkPath(e.linkname ?? '');
    byPath.delete(e.path); // re-insert so a replaced entry's position does not matter
    byPath.set(e.path, e);
  }
  const sorted = [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));

  // Group hardlinks by the entry they finally point at (links to links are followed).
  const groups = new Map<string, string[]>();
  for (const e of sorted) {
    if (e.type !== 'hardlink') continue;
    let target = e.linkname!;
    const seen = new Set([e.path]);
    while (byPath.get(target)?.type === 'hardlink' && !seen.has(target)) {
      seen.add(target);
      target = byPath.get(target)!.linkname!;
    }
    const inode = byPath.get(target);
    if (!inode || inode.type === 'hardlink') continue; // outside this layer, or a cycle
    const members = groups.get(target) ?? [];
    members.push(e.path);
    groups.set(target, members);
  }
  if (groups.size === 0) return sorted;

  const index = new Map(sorted.map((e, i) => [e.path, i]));
  for (const [target, links] of groups) {
    const inode = byPath.get(target)!;
    const first = [target, ...links].reduce((a, b) => (comparePaths(a, b) <= 0 ? a : b));
    for (const path of [target, ...links]) {
      const at = index.get(path)!;
      sorted[at] =
        path === first
          ? { ...inode, path }
          : {
              path,
              type: 'hardlink',
              mode: inode.mode,
              uid: inode.uid,
              gid: inode.gid,
              linkname: first,
            };
    }
  }
  return sorted;
}

function headerFor(e: FileEntry, mtime: Date): Header {
  const size = e.type === 'file' ? (e.data?.byteLength ?? 0) : 0;
  const pax: Record<string, string> = {};
  if (e.uid > USTAR_MAX_ID) pax.uid = String(e.uid);
  if (e.gid > USTAR_MAX_ID) pax.gid = String(e.gid);
  if (size > USTAR_MAX_SIZE) pax.size = String(size);
  const mode = e.mode & 0o7777;
  return {
    name: e.type === 'directory' ? `${e.path}/` : e.path,
    type: e.type === 'hardlink' ? 'link' : e.type,
    // tar-stream replaces a falsy mode with 0644/0755; a file-type bit keeps mode 0 (a
    // whiteout, /etc/shadow on some distributions) and is masked off when encoding.
    mode: mode === 0 ? 0o100000 : mode,
    uid: e.uid,
    gid: e.gid,
    size,
    mtime,
    linkname: e.type === 'symlink' || e.type === 'hardlink' ? (e.linkname ?? '') : '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    ...(Object.keys(pax).length ? { pax } : {}),
  };
}

function addEntry(p: Pack, e: FileEntry, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (e.type === 'file') {
      const d = e.data ?? new Uint8Array(0);
      // tar-stream only takes a Buffer as the body; wrapping shares the memory.
      p.entry(headerFor(e, mtime), Buffer.from(d.buffer, d.byteOffset, d.byteLength), done);
    } else {
      p.entry(headerFor(e, mtime), done);
    }
  });
}

function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

/**
 * tar-stream emits a 512-byte header, the body and its padding as separate
 * chunks. Handed on as they come, a layer of many small files (a Python
 * layer: ~8k files) costs gzip one thread-pool round trip per few hundred
 * bytes; joined into chunks of this size it compresses several times faster.
 * Deflate's output does not depend on how its input is split.
 */
const CHUNK = 512 * 1024;

/** Joins small chunks into CHUNK-sized ones; a chunk that size or larger goes on as it is. */
export function coalescing(): Transform {
  let parts: Buffer[] = [];
  let size = 0;
  const flush = (t: Transform) => {
    if (size > 0) t.push(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
    parts = [];
    size = 0;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      // A large body (kubectl: 75 MB) is a view of its unpacked .deb; joined to its header it
      // would be copied whole, doubling what the layer holds while gzip works through it.
      if (chunk.length >= CHUNK) {
        flush(this);
        this.push(chunk);
        return cb();
      }
      parts.push(chunk);
      size += chunk.length;
      if (size >= CHUNK) flush(this);
      cb();
    },
    flush(cb) {
      flush(this);
      cb();
    },
  });
}

/**
 * Writes entries as a gzip'd tar into `opts.dir/<hex>`, hashing the tar and
 * the gzip as they stream past: the blob is never held in memory, and the
 * compression runs on the libuv thread pool, so layers compress in parallel.
 * Gzip uses level 6 and Node's fixed header (mtime 0, no name, OS unix).
 */
export async function writeLayer(
  entries: readonly FileEntry[],
  opts: { dir: string; mtime: number },
): Promise<LayerBlob> {
  const mtime = new Date(opts.mtime * 1000);
  const sorted = sortEntries(entries);
  await mkdir(opts.dir, { recursive: true });
  // What a killed run left in the cache goes first (once per directory and process).
  await sweepStale(opts.dir);
  const tmp = join(opts.dir, `.layer-${randomBytes(6).toString('hex')}.partial`);
  // Opened now (O_EXCL, 0600), not lazily by the stream: a failure before a lazy open
  // completed would remove the file first and leave the one the open then made.
  const fh = await open(tmp, 'wx', 0o600);
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  const p = pack();
  const written = pipeline(
    p,
    coalescing(),
    hashing(tarHash),
    createGzip({ level: GZIP_LEVEL, chunkSize: ZLIB_CHUNK }),
    hashing(gzHash),
    fh.createWriteStream(),
  );
  const feeding = (async () => {
    for (const e of sorted) await addEntry(p, e, mtime);
    p.finalize();
  })();
  try {
    await Promise.all([written, feeding]);
    const hex = gzHash.digest('hex');
    const path = join(opts.dir, hex);
    await rename(tmp, path);
    return {
      digest: `sha256:${hex}`,
      diffId: `sha256:${tarHash.digest('hex')}`,
      size: (await stat(path)).size,
      path,
    };
  } catch (e) {
    p.destroy();
    await written.catch(() => {});
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    if (e instanceof KuboxError) throw e;
    throw new KuboxError('io', `cannot write a layer into ${opts.dir}: ${(e as Error).message}`, {
      hint: 'check that the directory is writable and the disk has room',
      cause: e,
    });
  }
}

/** The entry that hides `path` of lower layers (OCI whiteout: ".wh.<name>" beside it). */
export function whiteout(path: string): FileEntry {
  checkPath(path);
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : `${path.slice(0, slash + 1)}`;
  return { path: `${dir}.wh.${path.slice(slash + 1)}`, type: 'file', mode: 0, uid: 0, gid: 0 };
}

/** The entry that hides everything lower layers have under directory `dir` (opaque whiteout). */
export function opaqueWhiteout(dir: string): FileEntry {
  checkPath(dir);
  return { path: `${dir}/.wh..wh..opq`, type: 'file', mode: 0, uid: 0, gid: 0 };
}
