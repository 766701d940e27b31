/**
 * The base image's filesystem as the container would see it, read straight
 * from its layer blobs (no extraction to disk, no root): every layer applied
 * bottom first with OCI whiteouts and opaque directories. Only metadata is
 * kept for every path; contents only for the few files a build reads (dpkg
 * status, passwd, os-release...), chosen by a predicate.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ZLIB_CHUNK } from './zlib-chunk.js';
import { Decompress as ZstdDecompress } from 'fzstd';
import { extract, type Header } from 'tar-stream';
import { KuboxError } from '../errors.js';
import { comparePaths } from '../image/write-layer.js';
import { walkSymlinks } from './symlink-walk.js';

export interface TreeNode {
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target as stored, or the path (relative, like every path here) a hardlink points to. */
  linkname?: string;
  size: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** "./usr/bin/", "/usr/bin" and "usr/bin" all name "usr/bin"; the root is "". */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const IMPLICIT_DIR: TreeNode = Object.freeze({
  type: 'directory',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 0,
});

export class BaseTree {
  private readonly nodes = new Map<string, TreeNode>([['', IMPLICIT_DIR]]);
  private readonly children = new Map<string, Set<string>>();
  private readonly contents = new Map<string, Buffer>();
  private sortedPaths: string[] | undefined;

  /** The node at exactly `path` (symlinks not followed; see `resolve`); "" is the root. */
  get(path: string): TreeNode | undefined {
    return this.nodes.get(normalizePath(path));
  }

  /**
   * Contents of a file kept by the predicate. A hardlink reads as its target,
   * when the target's contents were kept too.
   */
  read(path: string): Buffer | undefined {
    const p = normalizePath(path);
    const node = this.nodes.get(p);
    if (node?.type === 'hardlink') return this.contents.get(node.linkname!);
    return node?.type === 'file' ? this.contents.get(p) : undefined;
  }

  /** Names directly under `dir` ("" for the root), in byte order. */
  list(dir: string): string[] {
    return [...(this.children.get(normalizePath(dir)) ?? [])].sort((a, b) => comparePaths(a, b));
  }

  /**
   * Follows symlinks in the parents (and in the last component if
   * `followFinal`) inside the tree, as the kernel would with the image as
   * root: "bin/bash" is "usr/bin/bash" when bin -> usr/bin. Absolute targets
   * start again from the root; ".." never climbs above it.
   */
  resolve(path: string, followFinal = false): string {
    const parts = walkSymlinks(path, (rel) => this.nodes.get(rel), { followFinal });
    if (!parts)
      throw new KuboxError('io', `too many levels of symbolic links resolving /${path}`, {
        hint: 'the base image has a symlink loop on this path',
      });
    return parts.join('/');
  }

  /** Every path, in layer order (`comparePaths`). */
  paths(): IterableIterator<string> {
    this.sortedPaths ??= [...this.nodes.keys()].filter((p) => p !== '').sort(comparePaths);
    return this.sortedPaths.values();
  }

  // Mutation: how readBaseTree applies layers (and how tests build trees). Paths normalized.

  /** Removes `path` and everything under it. */
  remove(path: string): void {
    this.clear(path);
    if (path === '') return;
    this.nodes.delete(path);
    this.contents.delete(path);
    this.children.get(parentOf(path))?.delete(baseOf(path));
    this.sortedPaths = undefined;
  }

  /** Removes everything under `dir`, keeping `dir` itself. */
  clear(dir: string): void {
    const names = this.children.get(dir);
    if (!names) return;
    this.children.delete(dir);
    for (const name of names) {
      const child = dir === '' ? name : `${dir}/${name}`;
      this.clear(child);
      this.nodes.delete(child);
      this.contents.delete(child);
    }
    this.sortedPaths = undefined;
  }

  /** Lets go of the contents of every file `keep` does not name (a tree read for two uses). */
  keepContents(keep: (path: string) => boolean): void {
    for (const p of this.contents.keys()) if (!keep(p)) this.contents.delete(p);
  }

  set(path: string, node: TreeNode, data?: Buffer): void {
    const old = this.nodes.get(path);
    // A non-directory hides the lower directory's contents, as overlayfs does.
    if (old?.type === 'directory' && node.type !== 'directory') this.clear(path);
    this.ensureParent(path);
    this.nodes.set(path, node);
    if (data) this.contents.set(path, data);
    else this.contents.delete(path);
    this.sortedPaths = undefined;
  }

  private ensureParent(path: string): void {
    const parent = parentOf(path);
    let names = this.children.get(parent);
    if (!names) this.children.set(parent, (names = new Set()));
    names.add(baseOf(path));
    if (parent !== '' && this.nodes.get(parent)?.type !== 'directory') {
      // A layer may omit a directory entry its files live in. Whatever else is
      // there becomes a directory, a symlink included: containerd would follow
      // a symlinked parent, but layers made by snapshot diffs never write
      // through one, and kubox's own layers must `resolve` paths first.
      this.nodes.set(parent, IMPLICIT_DIR);
      this.contents.delete(parent);
      this.ensureParent(parent);
    }
  }
}

type Compression = 'gzip' | 'zstd' | 'none';

async function sniff(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** fzstd's streaming decoder as a Node transform (pure JS: no native zstd in Node 20). */
function zstdStream(): Transform {
  let push: ((chunk: Uint8Array) => void) | undefined;
  const dec = new ZstdDecompress((chunk) => push?.(chunk));
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      push = (c) => this.push(Buffer.from(c));
      try {
        dec.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      push = (c) => this.push(Buffer.from(c));
      try {
        dec.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

interface LayerEntry {
  path: string;
  node: TreeNode;
  data?: Buffer;
}

const TYPES: Partial<Record<NonNullable<Header['type']>, TreeNode['type']>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
};

/** One layer's entries and whiteouts, streamed through tar-stream; kept contents buffered. */
async function readLayer(
  blob: string,
  keep: (path: string) => boolean,
): Promise<{ entries: LayerEntry[]; whiteouts: string[]; opaque: string[] }> {
  const entries: LayerEntry[] = [];
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const path = normalizePath(header.name);
    const name = baseOf(path);
    const type = TYPES[header.type ?? 'file'];
    const skip = () => {
      stream.on('end', () => next());
      stream.resume();
    };
    if (path === '' || !type) return skip(); // the root itself, devices, fifos
    if (name === OPAQUE) {
      opaque.push(parentOf(path));
      return skip();
    }
    if (name.startsWith(WHITEOUT)) {
      // ".wh..wh.*" other than the opaque marker is AUFS bookkeeping, not a deletion.
      if (!name.startsWith(`${WHITEOUT}${WHITEOUT}`)) {
        const dir = parentOf(path);
        const hidden = name.slice(WHITEOUT.length);
        whiteouts.push(dir === '' ? hidden : `${dir}/${hidden}`);
      }
      return skip();
    }
    // tar-stream applies PAX path, linkpath and size itself, but not ids beyond ustar's.
    const pax = (header.pax ?? {}) as Record<string, string | undefined>;
    const node: TreeNode = {
      type,
      mode: (header.mode ?? 0) & 0o7777,
      uid: pax.uid !== undefined ? Number(pax.uid) : (header.uid ?? 0),
      gid: pax.gid !== undefined ? Number(pax.gid) : (header.gid ?? 0),
      size: type === 'file' ? (header.size ?? 0) : 0,
    };
    if (type === 'symlink') node.linkname = header.linkname ?? '';
    if (type === 'hardlink') node.linkname = normalizePath(header.linkname ?? '');
    if (type !== 'file' || !keep(path)) {
      entries.push({ path, node });
      return skip();
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      entries.push({ path, node, data: Buffer.concat(chunks) });
      next();
    });
  });
  const compression = await sniff(blob);
  const source = createReadStream(blob);
  if (compression === 'gzip') await pipeline(source, createGunzip({ chunkSize: ZLIB_CHUNK }), ex);
  else if (compression === 'zstd') await pipeline(source, zstdStream(), ex);
  else await pipeline(source, ex);
  return { entries, whiteouts, opaque };
}

/**
 * Reads layer blobs (gzip, zstd or plain tar, told apart by their first
 * bytes; bottom layer first) into one tree. The blobs' digests are not
 * checked here: pass blobs a verified pull wrote.
 */
export async function readBaseTree(
  layerBlobs: readonly string[],
  keep: (path: string) => boolean,
): Promise<BaseTree> {
  const tree = new BaseTree();
  // Decompressing and parsing run ahead on the next layer while one is applied.
  const reads = layerBlobs.map((blob) =>
    readLayer(blob, keep).catch((e: unknown) => {
      throw new KuboxError('io', `cannot read the layer ${blob}: ${(e as Error).message}`, {
        hint: 'the base image blob is damaged or not a tar layer; pull the base again',
        cause: e,
      });
    }),
  );
  // Never leave a rejection unobserved while an earlier layer is awaited.
  for (const r of reads) r.catch(() => {});
  for (const read of reads) {
    const layer = await read;
    // Whiteouts hide what lower layers have; this layer's own entries stay.
    for (const dir of layer.opaque) tree.clear(dir);
    for (const path of layer.whiteouts) tree.remove(path);
    // A directory over a directory merges (its contents stay); see `set` for the rest.
    for (const e of layer.entries) tree.set(e.path, e.node, e.data);
  }
  return tree;
}
