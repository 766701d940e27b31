/**
 * dpkg's path filters (`path-exclude=` / `path-include=` in
 * /etc/dpkg/dpkg.cfg.d/*): slim bases such as python:3.13-slim drop man
 * pages, docs and locales this way, and `apt-get install` in a Dockerfile
 * honours them. The native engine applies the base's own filters so both
 * engines install the same files. Semantics (dpkg(1)): rules in order, the
 * last match decides; `*` also matches `/`; a kept path keeps its parents.
 */

export interface PathFilter {
  include: boolean;
  pattern: RegExp;
  /** The pattern up to its first wildcard (`*?[\\`), as written. */
  prefix: string;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** Reads every dpkg.cfg.d file's path filters, files in name order as dpkg reads them. */
export function parseDpkgFilters(files: ReadonlyMap<string, string>): PathFilter[] {
  const out: PathFilter[] = [];
  for (const name of [...files.keys()].sort()) {
    for (const raw of files.get(name)!.split('\n')) {
      const m = /^\s*(path-exclude|path-include)[\s=]+(\S+)\s*$/.exec(raw);
      if (m)
        out.push({
          include: m[1] === 'path-include',
          pattern: globToRegExp(m[2]!),
          prefix: m[2]!.slice(0, m[2]!.search(/[*?[\\]|$/)),
        });
    }
  }
  return out;
}

/**
 * Which package paths (relative, as in data.tar) dpkg would unpack. Paths
 * not kept are neither unpacked nor, in kubox, listed as present.
 *
 * `linkOrDir` says which paths are directories or symlinks: dpkg brings an
 * excluded one back when a path-include pattern, up to its first wildcard,
 * starts with it (the include might match something below it), so
 * `path-include /usr/share/doc/*\/copyright` keeps every directory and
 * symlink under /usr/share/doc, such as libatomic1 -> gcc-12-base.
 */
export function keptPaths(
  paths: readonly string[],
  filters: readonly PathFilter[],
  linkOrDir: (path: string) => boolean = () => false,
): Set<string> {
  const kept = new Set<string>();
  if (filters.length === 0) return new Set(paths);
  const prefixes = filters.filter((f) => f.include).map((f) => f.prefix);
  for (const p of paths) {
    const abs = `/${p}`;
    let include = true;
    for (const f of filters) if (f.pattern.test(abs)) include = f.include;
    if (!include && !(linkOrDir(p) && prefixes.some((prefix) => abs.startsWith(prefix)))) continue;
    kept.add(p);
    // A re-included path brings back the directories leading to it.
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) kept.add(p.slice(0, i));
  }
  return kept;
}
