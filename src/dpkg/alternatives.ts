/**
 * update-alternatives, emulated: what an `--install` call asks for, and the
 * symlinks and /var/lib/dpkg/alternatives/<name> files it leaves. It works on
 * calls already read out of a script (maintscripts.ts finds them). Pure.
 */
import type { FileEntry } from '../oci/file-entry.js';

export interface Alternative {
  link: string;
  name: string;
  path: string;
  priority: number;
  slaves: { link: string; name: string; path: string }[];
}

/** Options of update-alternatives that take a value and do not change what is installed. */
const UA_OPTS_WITH_ARG = new Set(['--altdir', '--admindir', '--log', '--instdir', '--root']);

/**
 * What one update-alternatives call installs, from the words after the
 * command (undefined where the script's reader could not know them): an
 * alternative, nothing (`--remove`, `--set`...), or 'unknown' when a word it
 * needs depends on run-time state or the call is malformed.
 */
export function installedBy(args: (string | undefined)[]): Alternative | undefined | 'unknown' {
  let install: Alternative | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === undefined) return 'unknown';
    if (UA_OPTS_WITH_ARG.has(a)) i++;
    else if (a === '--install') {
      const [link, name, path, prio] = args.slice(i + 1, i + 5);
      const priority = prio === undefined ? NaN : Number(prio);
      if (!link || !name || !path || !Number.isInteger(priority)) return 'unknown';
      install = { link, name, path, priority, slaves: [] };
      i += 4;
    } else if (a === '--slave') {
      const [link, name, path] = args.slice(i + 1, i + 4);
      if (!install || !link || !name || !path) return 'unknown';
      install.slaves.push({ link, name, path });
      i += 3;
    }
    // Everything else (--quiet, --force, --remove <name> <path>, ...) installs nothing.
  }
  return install;
}

interface Choice {
  path: string;
  priority: number;
  /** Slave name -> path ("" when this choice has none). */
  slaves: Map<string, string>;
}

interface Group {
  status: 'auto' | 'manual';
  link: string;
  slaves: { name: string; link: string }[];
  choices: Choice[];
}

/** Parses an admin file as update-alternatives writes it; undefined when it is not one. */
function parseAdmin(text: string): Group | undefined {
  const lines = text.split('\n');
  let i = 0;
  const next = () => lines[i++];
  const status = next();
  const link = next();
  if ((status !== 'auto' && status !== 'manual') || !link) return undefined;
  const slaves: Group['slaves'] = [];
  for (let name = next(); name; name = next()) slaves.push({ name, link: next() ?? '' });
  const choices: Choice[] = [];
  for (let path = next(); path; path = next()) {
    const priority = Number(next());
    if (!Number.isInteger(priority)) return undefined;
    const map = new Map<string, string>();
    for (const s of slaves) map.set(s.name, next() ?? '');
    choices.push({ path, priority, slaves: map });
  }
  return { status, link, slaves, choices };
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The admin file text; slaves sorted by name, choices by path, unused slaves dropped, as dpkg does. */
function formatAdmin(g: Group): string {
  const used = g.slaves.filter((s) => g.choices.some((c) => (c.slaves.get(s.name) ?? '') !== ''));
  const slaves = [...used].sort((a, b) => byString(a.name, b.name));
  const choices = [...g.choices].sort((a, b) => byString(a.path, b.path));
  const lines = [g.status, g.link];
  for (const s of slaves) lines.push(s.name, s.link);
  lines.push('');
  for (const c of choices) {
    lines.push(c.path, String(c.priority));
    for (const s of slaves) lines.push(c.slaves.get(s.name) ?? '');
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** Auto mode picks the highest priority; on a tie, the first in path order. */
function best(g: Group): Choice | undefined {
  let top: Choice | undefined;
  for (const c of [...g.choices].sort((a, b) => byString(a.path, b.path)))
    if (!top || c.priority > top.priority) top = c;
  return top;
}

const rel = (p: string) => p.replace(/^\/+/, '');
const symlink = (path: string, target: string): FileEntry => ({
  path: rel(path),
  type: 'symlink',
  mode: 0o777,
  uid: 0,
  gid: 0,
  linkname: target,
});

/**
 * What `update-alternatives --install` for each of `add` (in order) leaves
 * behind, merged with the base's alternatives (`existing`: name -> admin file
 * text). For every group touched: its admin file, and in auto mode the
 * /etc/alternatives/<name> -> <best path> link plus <link> ->
 * /etc/alternatives/<name>, slaves likewise when their target exists.
 *
 * `pathExists` answers for absolute paths as written in the scripts ("/bin/nc");
 * resolve merged-usr there. `isRegularFile` says a link path is taken by a
 * real file, which update-alternatives does not replace without --force.
 * Entry paths are as written too: run them through `mapEntries` on a
 * merged-usr base.
 */
export function applyAlternatives(
  existing: Map<string, string>,
  add: Alternative[],
  pathExists: (p: string) => boolean,
  isRegularFile: (p: string) => boolean = () => false,
): { entries: FileEntry[]; warnings: string[] } {
  const warnings: string[] = [];
  const groups = new Map<string, Group>();
  const touched: string[] = [];
  const load = (name: string): Group | undefined => {
    if (groups.has(name)) return groups.get(name);
    const text = existing.get(name);
    if (text === undefined) return undefined;
    const g = parseAdmin(text);
    if (!g) {
      warnings.push(
        `/var/lib/dpkg/alternatives/${name} in the base is not an alternatives file; rewriting it`,
      );
      return undefined;
    }
    // Like update-alternatives, forget choices whose file is gone.
    g.choices = g.choices.filter((c) => pathExists(c.path));
    groups.set(name, g);
    return g;
  };
  for (const alt of add) {
    if (!pathExists(alt.path)) {
      warnings.push(
        `alternative ${alt.name}: ${alt.path} does not exist in the image; not installed`,
      );
      continue;
    }
    let g = load(alt.name);
    if (!g) {
      g = { status: 'auto', link: alt.link, slaves: [], choices: [] };
      groups.set(alt.name, g);
    }
    g.link = alt.link;
    for (const s of alt.slaves) {
      const known = g.slaves.find((x) => x.name === s.name);
      if (known) known.link = s.link;
      else g.slaves.push({ name: s.name, link: s.link });
    }
    const choice: Choice = { path: alt.path, priority: alt.priority, slaves: new Map() };
    for (const s of alt.slaves) choice.slaves.set(s.name, s.path);
    const at = g.choices.findIndex((c) => c.path === alt.path);
    if (at >= 0) g.choices[at] = choice;
    else g.choices.push(choice);
    if (!touched.includes(alt.name)) touched.push(alt.name);
  }

  const entries: FileEntry[] = [];
  const encoder = new TextEncoder();
  for (const name of touched) {
    const g = groups.get(name)!;
    entries.push({
      path: `var/lib/dpkg/alternatives/${name}`,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      data: encoder.encode(formatAdmin(g)),
    });
    // A manual choice made in the base stays; its links are already there.
    if (g.status !== 'auto') continue;
    const top = best(g)!;
    entries.push(symlink(`/etc/alternatives/${name}`, top.path));
    if (isRegularFile(g.link))
      warnings.push(`alternative ${name}: ${g.link} is a regular file; not replaced`);
    else entries.push(symlink(g.link, `/etc/alternatives/${name}`));
    for (const s of g.slaves) {
      const target = top.slaves.get(s.name) ?? '';
      // update-alternatives sets a slave up only when its file exists (man pages may be excluded).
      if (target === '' || !pathExists(target)) continue;
      entries.push(symlink(`/etc/alternatives/${s.name}`, target));
      if (!isRegularFile(s.link)) entries.push(symlink(s.link, `/etc/alternatives/${s.name}`));
    }
  }
  return { entries, warnings };
}
