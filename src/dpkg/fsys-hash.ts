/**
 * The order in which dpkg writes its per-file databases (statoverride,
 * diversions): it walks its file-name hash table bin by bin, and a bin is
 * FNV-1a of the path without its leading slash, modulo 262139 (libdpkg's
 * fsys-hash.c). Checked against dpkg-divert and dpkg-statoverride 1.21 in
 * Debian bookworm. Entries of one bin keep the order they were added in.
 */

const BINS = 262139;

/** FNV-1a, 32 bits, over the path's bytes (libdpkg's str_fnv_hash). */
function fnv1a(text: string): number {
  let h = 2166136261;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** The bin dpkg files "/a/b" (or "a/b", "./a/b") under. */
export function fsysBin(path: string): number {
  return fnv1a(path.replace(/^(\.?\/+)+/, '')) % BINS;
}

/** `items` in dpkg's write order; `path` names each one's file. Stable. */
export function inDpkgOrder<T>(items: readonly T[], path: (item: T) => string): T[] {
  return items
    .map((item, i) => ({ item, i, bin: fsysBin(path(item)) }))
    .sort((a, b) => a.bin - b.bin || a.i - b.i)
    .map((x) => x.item);
}
