/**
 * Merged-/usr path mapping. On a merged-usr base (bookworm) /bin, /sbin, /lib,
 * /lib64 are symlinks into /usr, but .deb data.tars still ship paths such as
 * "bin/ls". dpkg writes through the symlink; a layer cannot: a tar entry
 * "bin/ls" under a lower-layer symlink "bin" makes some unpackers replace the
 * symlink with a directory, breaking the whole image. So the layer gets the
 * resolved path, while dpkg's own records keep the original one. Pure.
 */
import type { FileEntry } from '../oci/file-entry.js';

/** The top-level directories a merged-usr Debian base may turn into symlinks. */
const CANDIDATES = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'libo32'];

/**
 * Given which top-level directories of the base are symlinks (`isSymlink("bin")`
 * returns its target, "usr/bin"), returns a function mapping a package path to
 * where it really lands. The symlinked directory itself maps to "" (the caller
 * drops it); everything else is returned unchanged.
 */
export function usrMergeMap(
  isSymlink: (dir: string) => string | undefined,
): (path: string) => string {
  const links = new Map<string, string>();
  for (const dir of CANDIDATES) {
    const target = isSymlink(dir);
    if (target === undefined) continue;
    // Targets are written "usr/bin" or "/usr/bin"; both mean the same from the root.
    const clean = target.replace(/^\/+/, '').replace(/^\.\//, '').replace(/\/+$/, '');
    if (clean) links.set(dir, clean);
  }
  return (path: string) => {
    const clean = path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const slash = clean.indexOf('/');
    const top = slash < 0 ? clean : clean.slice(0, slash);
    const target = links.get(top);
    if (target === undefined) return clean;
    if (slash < 0) return '';
    return `${target}${clean.slice(slash)}`;
  };
}

/**
 * Rewrites entry paths and hardlink targets through `map`, and drops the
 * entries for the symlinked directories themselves (the base's symlink must
 * stay). Symlink targets are left as written: they resolve through the base's
 * links at run time just as they would after dpkg.
 */
export function mapEntries(entries: FileEntry[], map: (path: string) => string): FileEntry[] {
  const out: FileEntry[] = [];
  for (const e of entries) {
    const path = map(e.path);
    if (path === '') continue;
    if (e.type === 'hardlink' && e.linkname !== undefined) {
      out.push({ ...e, path, linkname: map(e.linkname) });
    } else {
      out.push(path === e.path ? e : { ...e, path });
    }
  }
  return out;
}
