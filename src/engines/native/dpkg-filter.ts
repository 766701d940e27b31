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
      if (m) out.push({ include: m[1] === 'path-include', pattern: globToRegExp(m[2]!) });
    }
  }
  return out;
}

/**
 * Which package paths (relative, as in data.tar) dpkg would unpack. Paths
 * not kept are neither unpacked nor, in kubox, listed as present.
 */
export function keptPaths(paths: readonly string[], filters: readonly PathFilter[]): Set<string> {
  const kept = new Set<string>();
  if (filters.length === 0) return new Set(paths);
  for (const p of paths) {
    const abs = `/${p}`;
    let include = true;
    for (const f of filters) if (f.pattern.test(abs)) include = f.include;
    if (!include) continue;
    kept.add(p);
    // A re-included path brings back the directories leading to it.
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) kept.add(p.slice(0, i));
  }
  return kept;
}
