/**
 * Follows the symlinks of a path inside an image's file tree, as the kernel
 * would with the image as its root: absolute targets start again from the
 * root, ".." never climbs above it, and more than 40 links is a loop. One
 * walk for the base tree, ldconfig's view of the image and the tests' view of
 * an unpacked one, each giving `lookup` over its own storage. Pure.
 */

export interface WalkNode {
  type: string;
  linkname?: string;
}

/** Linux's MAXSYMLINKS: more expansions than this while resolving is a loop. */
const MAX_SYMLINKS = 40;

export function pathParts(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * The parts of the path `path` resolves to, or undefined after too many
 * links. `lookup` gets each prefix as a relative path ("usr/lib"). Lenient
 * (the default): a missing component is kept as named. `existing`: a missing
 * component, or one after a non-directory, makes it undefined (realpath).
 */
export function walkSymlinks(
  path: string,
  lookup: (rel: string) => WalkNode | undefined,
  opts: { followFinal: boolean; existing?: boolean },
): string[] | undefined {
  let rest = pathParts(path);
  const out: string[] = [];
  let hops = 0;
  while (rest.length > 0) {
    const part = rest.shift()!;
    if (part === '..') {
      out.pop();
      continue;
    }
    const node = lookup([...out, part].join('/'));
    if (opts.existing && !node) return undefined;
    if (node?.type === 'symlink' && (rest.length > 0 || opts.followFinal)) {
      if (++hops > MAX_SYMLINKS) return undefined;
      const target = node.linkname ?? '';
      if (target.startsWith('/')) out.length = 0;
      rest = [...pathParts(target), ...rest];
      continue;
    }
    // A path through a regular file names nothing.
    if (opts.existing && rest.length > 0 && node?.type !== 'directory') return undefined;
    out.push(part);
  }
  return out;
}
