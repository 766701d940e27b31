/**
 * The instrument of the native-vs-buildx parity test (issue 12): an image's
 * final filesystem as a flat map (its layers applied bottom first, with OCI
 * whiteouts and opaque directories, as containerd would unpack them), and a
 * differ of two such maps with a short, named allowlist.
 *
 * Only what a container can observe is kept: type, permission bits (setuid,
 * setgid and sticky included), owner, content hash and link target. Mtimes
 * are not kept at all: the engines set them by different rules (the lock's
 * epoch, SOURCE_DATE_EPOCH clamping) and nothing reads them. A hard link is
 * recorded as a regular file with its target's content and metadata (it is
 * the same inode), so a hard link in one image equals a copy in the other.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

export type FsType = 'file' | 'directory' | 'symlink' | 'char-device' | 'block-device' | 'fifo';

export interface FsNode {
  type: FsType;
  /** Permission bits including setuid (04000), setgid (02000) and sticky (01000). */
  mode: number;
  uid: number;
  gid: number;
  /** Hex sha256 of the contents (files only). */
  sha256?: string;
  /** Symlink target as stored. */
  linkTarget?: string;
}

/** Absolute path ("/etc/passwd"; the root itself is not listed) to what is there. */
export type FsMap = Map<string, FsNode>;

/** One layer blob as the flattener needs it: how it is compressed, and its bytes. */
export interface LayerSource {
  mediaType: string;
  open(): Readable;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** "./usr/bin/", "usr/bin" and "/usr/bin" all name "/usr/bin"; the root is "/". */
export function absPath(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

const TAR_TYPES: Record<string, FsType | 'hardlink'> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

type LayerEntry =
  | { path: string; hardlinkTo?: undefined; node: FsNode }
  | { path: string; hardlinkTo: string; node?: undefined };

interface ParsedLayer {
  entries: LayerEntry[];
  whiteouts: string[];
  opaque: string[];
}

/** A layer's entries (contents hashed as they stream past, never held) and its whiteouts. */
export async function readLayerEntries(source: LayerSource): Promise<ParsedLayer> {
  const layer: ParsedLayer = { entries: [], whiteouts: [], opaque: [] };
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const path = absPath(header.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    const type = TAR_TYPES[header.type ?? 'file'];
    const done = (fn?: () => void) => {
      stream.on('end', () => {
        fn?.();
        next();
      });
      stream.resume();
    };
    if (path === '/' || type === undefined) return done();
    if (base === OPAQUE) return done(() => layer.opaque.push(parentOf(path)));
    if (base.startsWith(WHITEOUT)) {
      // Other ".wh..wh.*" names are AUFS bookkeeping, not deletions.
      if (base.startsWith(WHITEOUT + WHITEOUT)) return done();
      const hidden = `${parentOf(path) === '/' ? '' : parentOf(path)}/${base.slice(WHITEOUT.length)}`;
      return done(() => layer.whiteouts.push(hidden));
    }
    if (type === 'hardlink')
      return done(() => layer.entries.push({ path, hardlinkTo: absPath(header.linkname ?? '') }));
    // tar-stream applies PAX path, linkpath and size, but not ids beyond ustar's 6 octal digits.
    const pax = (header.pax ?? {}) as Record<string, string | undefined>;
    const node: FsNode = {
      type,
      mode: (header.mode ?? 0) & 0o7777,
      uid: pax.uid !== undefined ? Number(pax.uid) : (header.uid ?? 0),
      gid: pax.gid !== undefined ? Number(pax.gid) : (header.gid ?? 0),
    };
    if (type === 'symlink') node.linkTarget = header.linkname ?? '';
    if (type !== 'file') return done(() => layer.entries.push({ path, node }));
    const hash = createHash('sha256');
    stream.on('data', (chunk: unknown) => hash.update(chunk as Buffer));
    stream.on('end', () => {
      node.sha256 = hash.digest('hex');
      layer.entries.push({ path, node });
      next();
    });
  });
  const mt = source.mediaType;
  if (/zstd/.test(mt))
    throw new Error(`zstd layers are not supported by the test flattener (${mt})`);
  if (/gzip/.test(mt)) await pipeline(source.open(), createGunzip(), ex);
  else await pipeline(source.open(), ex);
  return layer;
}

/** Removes everything strictly below `dir`. */
function clearBelow(map: FsMap, dir: string): void {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  for (const p of [...map.keys()]) if (p.startsWith(prefix)) map.delete(p);
}

/** Parents a layer omits are created as containerd does: root-owned 0755 directories. */
function ensureParents(map: FsMap, path: string): void {
  const parent = parentOf(path);
  if (parent === '/') return;
  if (map.get(parent)?.type !== 'directory') {
    ensureParents(map, parent);
    map.set(parent, { type: 'directory', mode: 0o755, uid: 0, gid: 0 });
  }
}

/** Applies one parsed layer onto `map`: whiteouts first (they hide lower layers only), then entries. */
export function applyLayer(map: FsMap, layer: ParsedLayer): void {
  for (const dir of layer.opaque) clearBelow(map, dir);
  for (const path of layer.whiteouts) {
    clearBelow(map, path);
    map.delete(path);
  }
  for (const e of layer.entries) {
    let node: FsNode;
    if (e.hardlinkTo !== undefined) {
      // The same inode: its target's contents and metadata, whichever layer holds the target.
      const target = map.get(e.hardlinkTo);
      if (!target) throw new Error(`hard link ${e.path} -> ${e.hardlinkTo}: no such file`);
      node = { ...target };
    } else node = e.node;
    const old = map.get(e.path);
    // A directory over a directory merges; anything else replaces what was there, subtree included.
    if (old?.type === 'directory' && node.type !== 'directory') clearBelow(map, e.path);
    ensureParents(map, e.path);
    map.set(e.path, node);
  }
}

/** The final filesystem of an image whose layers are given bottom first. */
export async function flattenLayers(layers: readonly LayerSource[]): Promise<FsMap> {
  const map: FsMap = new Map();
  // Layers are read one at a time: a big image's entries would not all fit twice in memory.
  for (const source of layers) applyLayer(map, await readLayerEntries(source));
  return map;
}

// ---- differ ----

export type FsField = 'type' | 'mode' | 'uid' | 'gid' | 'sha256' | 'linkTarget';
const FIELDS: readonly FsField[] = ['type', 'mode', 'uid', 'gid', 'sha256', 'linkTarget'];

export interface FsDifference {
  path: string;
  /** Present in only one image, or present in both with `fields` differing. */
  kind: 'only-left' | 'only-right' | 'changed';
  fields: FsField[];
  left?: FsNode;
  right?: FsNode;
}

/** A known, accepted difference: the paths it covers and why it is accepted. */
export interface AllowEntry {
  name: string;
  /** Matched against the absolute path. */
  pattern: RegExp;
  reason: string;
  /**
   * The only fields that may differ on a path present in both images; absent:
   * any difference, presence on one side included, is accepted on these paths.
   */
  fields?: readonly FsField[];
}

export interface FsDiffResult {
  /** Not covered by the allowlist: each one fails the parity test. */
  differences: FsDifference[];
  /** Covered, with the entry that covers it (for the report, never failing). */
  allowed: { diff: FsDifference; by: string }[];
}

export function allowedBy(
  diff: FsDifference,
  allow: readonly AllowEntry[],
): AllowEntry | undefined {
  return allow.find(
    (a) =>
      a.pattern.test(diff.path) &&
      (a.fields === undefined ||
        (diff.kind === 'changed' && diff.fields.every((f) => a.fields!.includes(f)))),
  );
}

/** Every path that differs between `left` and `right`, sorted, split by the allowlist. */
export function diffFs(left: FsMap, right: FsMap, allow: readonly AllowEntry[] = []): FsDiffResult {
  const all: FsDifference[] = [];
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const path of paths) {
    const l = left.get(path);
    const r = right.get(path);
    if (!r) all.push({ path, kind: 'only-left', fields: [], left: l });
    else if (!l) all.push({ path, kind: 'only-right', fields: [], right: r });
    else {
      const fields = FIELDS.filter((f) => l[f] !== r[f]);
      if (fields.length > 0) all.push({ path, kind: 'changed', fields, left: l, right: r });
    }
  }
  const result: FsDiffResult = { differences: [], allowed: [] };
  for (const diff of all) {
    const by = allowedBy(diff, allow);
    if (by) result.allowed.push({ diff, by: by.name });
    else result.differences.push(diff);
  }
  return result;
}

/** "file 0644 0:0 sha256:1a2b3c4d", "symlink -> gcc-12-base", "directory 2770 101:104". */
export function describeNode(n: FsNode): string {
  const mode = n.mode.toString(8).padStart(4, '0');
  const link = n.linkTarget !== undefined ? ` -> ${n.linkTarget}` : '';
  const sha = n.sha256 ? ` sha256:${n.sha256.slice(0, 12)}` : '';
  return `${n.type} ${mode} ${n.uid}:${n.gid}${sha}${link}`;
}

function describeChange(d: FsDifference): string {
  const parts = d.fields.map((f) => {
    const show = (n: FsNode) => {
      const v = n[f];
      if (f === 'mode') return (v as number).toString(8).padStart(4, '0');
      if (f === 'sha256') return v === undefined ? '-' : String(v).slice(0, 12);
      return v === undefined ? '-' : String(v);
    };
    return `${f} ${show(d.left!)} vs ${show(d.right!)}`;
  });
  return parts.join(', ');
}

/**
 * The differences as a report a person reads: grouped by kind (only in one
 * image; changed, by the set of fields that differ), with paths under a
 * directory that is missing on the other side folded into that directory's
 * line, so a missing tree is one line and not a thousand.
 */
export function formatFsDifferences(
  diffs: readonly FsDifference[],
  names: { left: string; right: string },
): string {
  if (diffs.length === 0) return 'no differences';
  const groups = new Map<string, string[]>();
  const add = (group: string, line: string) => {
    const g = groups.get(group) ?? [];
    g.push(line);
    groups.set(group, g);
  };
  const sorted = [...diffs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i]!;
    if (d.kind === 'changed') {
      add(
        `changed (${d.fields.join(', ')}); ${names.left} vs ${names.right}`,
        `${d.path}  ${describeChange(d)}`,
      );
      continue;
    }
    const node = (d.kind === 'only-left' ? d.left : d.right)!;
    let below = 0;
    if (node.type === 'directory') {
      const prefix = `${d.path}/`;
      while (sorted[i + 1]?.kind === d.kind && sorted[i + 1]!.path.startsWith(prefix)) {
        below++;
        i++;
      }
    }
    const extra = below > 0 ? `  (+${below} entries below)` : '';
    add(
      `only in ${d.kind === 'only-left' ? names.left : names.right}`,
      `${d.path}  ${describeNode(node)}${extra}`,
    );
  }
  const out: string[] = [`${diffs.length} differences:`];
  for (const [group, lines] of groups) {
    out.push(`== ${group}: ${lines.length}`);
    for (const l of lines) out.push(`  ${l}`);
  }
  return out.join('\n');
}

// ---- image config ----

/** The config keys both engines must agree on (history, rootfs and the build's own labels aside). */
export const CONFIG_KEYS = [
  'Env',
  'Cmd',
  'Entrypoint',
  'User',
  'WorkingDir',
  'Shell',
  'Labels',
  'ExposedPorts',
  'Volumes',
  'StopSignal',
] as const;

export interface ConfigDifference {
  key: string;
  left: unknown;
  right: unknown;
}

/** Canonical JSON (object keys sorted) so {a,b} and {b,a} compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

/**
 * The container config keys (and `created`, `architecture`, `os`) that differ.
 * An absent key and an empty object/array are the same thing to a runtime.
 */
export function diffConfigs(
  left: { created?: string; architecture?: string; os?: string; config?: Record<string, unknown> },
  right: { created?: string; architecture?: string; os?: string; config?: Record<string, unknown> },
): ConfigDifference[] {
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v).length === 0);
  const out: ConfigDifference[] = [];
  const cmp = (key: string, l: unknown, r: unknown) => {
    if (empty(l) && empty(r)) return;
    if (canonical(l) !== canonical(r)) out.push({ key, left: l, right: r });
  };
  for (const k of ['created', 'architecture', 'os'] as const) cmp(k, left[k], right[k]);
  for (const k of CONFIG_KEYS) cmp(`config.${k}`, left.config?.[k], right.config?.[k]);
  return out;
}
