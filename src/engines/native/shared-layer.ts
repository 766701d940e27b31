/**
 * `Architecture: all` packages ship the same bytes for every platform, so the
 * layer they go into can be the same blob for every platform: built once,
 * stored once, pushed once. What makes two platforms' layers differ is only
 * what unpacking consults in the base (which directories exist, which
 * top-level directories are merged-/usr links, which paths dpkg's filters
 * keep). This module names exactly that view of the base, so the layer cache
 * can be keyed by it instead of by the platform's base digest. Pure.
 */
import { createHash } from 'node:crypto';
import type { BaseTree } from '../../oci/base-tree.js';
import { usrMergeMap } from '../../dpkg/usrmerge.js';
import { keptPaths, type PathFilter } from './dpkg-filter.js';

/** Splits debs into platform-specific ones and `Architecture: all` ones, keeping their order. */
export function byArchitecture<T extends { architecture: string }>(
  debs: readonly T[],
): { specific: T[]; shared: T[] } {
  return {
    specific: debs.filter((d) => d.architecture !== 'all'),
    shared: debs.filter((d) => d.architecture === 'all'),
  };
}

/**
 * A digest of everything in the base that unpacking `packages` consults:
 * each kept path after merged-/usr mapping, and for it and every parent, the
 * path it resolves to in the base and what is there. Two bases with the same
 * digest give the packages' layer the same bytes.
 */
export function baseViewDigest(
  packages: readonly { paths: readonly string[] }[],
  tree: BaseTree,
  topLinks: ReadonlyMap<string, string>,
  filters: readonly PathFilter[],
): string {
  const map = usrMergeMap((top) => topLinks.get(top));
  const consulted = new Set<string>();
  // The merged-/usr links the mapping looked at: those of the packages' own top directories
  // (amd64's lib64 -> usr/lib64 must not set apart a layer that ships nothing under lib64).
  const tops = new Set<string>();
  for (const p of packages)
    // Every path counted as a possible directory or symlink: a superset of what is consulted.
    for (const kept of keptPaths(p.paths, filters, () => true)) {
      tops.add(kept.split('/', 1)[0]!);
      const path = map(kept);
      for (let i = path.length; i > 0; i = path.lastIndexOf('/', i - 1))
        consulted.add(path.slice(0, i));
    }
  const view = [...consulted].sort().map((path) => {
    const resolved = tree.resolve(path, true);
    return [path, resolved, tree.get(resolved)?.type ?? null];
  });
  return createHash('sha256')
    .update(JSON.stringify({ topLinks: [...topLinks].filter(([t]) => tops.has(t)).sort(), view }))
    .digest('hex');
}
