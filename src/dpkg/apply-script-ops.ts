/**
 * Maintainer-script effects (script-ops.ts) applied to the image's files, in
 * the order the scripts run them: what the image holds afterwards at every
 * path they touched, and dpkg's statoverride and diversions databases. A
 * layer changes a file's mode or owner by carrying the whole file, so a
 * changed file comes back with its content. An effect that cannot be applied
 * as the command would (a path missing, a user unknown, content not at hand)
 * is a warning naming the package, and is left out. Pure.
 */
import type { FileEntry } from '../oci/file-entry.js';
import { parseDiversions, formatDiversions, type Diversion } from './diversions.js';
import { applyMode, type ScriptOp } from './script-ops.js';
import { formatStatOverrides, parseStatOverrides, type StatOverride } from './statoverride.js';
import type { UserFiles } from './users.js';

export interface RunOp {
  /** The package whose script runs it, and the script (preinst, postinst). */
  pkg: string;
  script: string;
  op: ScriptOp;
}

export interface OpsInput {
  /** In run order: every preinst before the unpack, then every postinst. */
  ops: readonly RunOp[];
  /**
   * The entry at a path (relative, canonical: see `canonical`) once every
   * package is unpacked: the packages' files over the base's; files with
   * their data when it is at hand.
   */
  lookup: (path: string) => FileEntry | undefined;
  /** The base's own entry at a path (what a preinst finds before the packages are unpacked). */
  base: (path: string) => FileEntry | undefined;
  /** The packages of this install that ship a path. */
  shippedBy: (path: string) => readonly string[];
  /** "/bin/x" -> "usr/bin/x" on a merged-/usr base: the path the image really has. */
  canonical: (path: string) => string;
  /** passwd and group with the system accounts the scripts add. */
  users: UserFiles;
  /** The base's /var/lib/dpkg/statoverride and diversions ('' when absent). */
  statoverride: string;
  diversions: string;
}

export interface OpsResult {
  /** The final entry of every path the scripts created or changed, and dpkg's files they changed. */
  entries: FileEntry[];
  /** Paths the scripts moved away (a `dpkg-divert --rename` of a base file). */
  removed: string[];
  warnings: string[];
}

const DIR_MODE = 0o755;

function ids(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id) && !out.has(name)) out.set(name, Number(id));
  }
  return out;
}

export function applyScriptOps(input: OpsInput): OpsResult {
  const changed = new Map<string, FileEntry | null>();
  const warnings: string[] = [];
  const uids = ids(input.users.passwd);
  const gids = ids(input.users.group);
  const nameOf = (table: Map<string, number>, id: number) =>
    [...table].find(([, v]) => v === id)?.[0];
  const overrides = parseStatOverrides(input.statoverride);
  const diversions = parseDiversions(input.diversions);
  const baseOverrides = overrides.length;
  const baseDiversions = diversions.length;

  const get = (path: string): FileEntry | undefined => {
    if (changed.has(path)) return changed.get(path) ?? undefined;
    return input.lookup(path);
  };
  const set = (entry: FileEntry) => changed.set(entry.path, entry);
  const idOf = (table: Map<string, number>, name: string) =>
    /^#?\d+$/.test(name) ? Number(name.replace('#', '')) : table.get(name);

  for (const { pkg, script, op } of input.ops) {
    const warn = (what: string) => warnings.push(`${pkg}: ${script} ${what}; not emulated`);
    const at = 'path' in op ? input.canonical(op.path) : '';
    switch (op.op) {
      case 'mkdir': {
        const uid = op.owner === undefined ? 0 : idOf(uids, op.owner);
        const gid = op.group === undefined ? 0 : idOf(gids, op.group);
        if (uid === undefined || gid === undefined) {
          warn(`creates ${op.path} for ${op.owner ?? ''}:${op.group ?? ''}, who does not exist`);
          break;
        }
        const existing = get(at);
        if (existing && existing.type !== 'directory') {
          warn(`creates directory ${op.path}, where the image has a ${existing.type}`);
          break;
        }
        // Missing parents are made as mkdir -p and install -d make them: 0755, root.
        const parts = at.split('/');
        for (let i = 1; i < parts.length; i++) {
          const parent = parts.slice(0, i).join('/');
          if (!get(parent)) set(dir(parent, 0, 0, DIR_MODE));
        }
        if (existing && !op.reapply) break;
        const before = existing?.mode ?? DIR_MODE;
        const mode = op.mode === undefined ? DIR_MODE : applyMode(before, op.mode, true);
        set({
          ...(existing ?? dir(at, 0, 0, mode)),
          mode,
          ...(op.owner !== undefined || !existing ? { uid } : {}),
          ...(op.group !== undefined || !existing ? { gid } : {}),
        });
        break;
      }
      case 'chown': {
        const existing = get(at);
        const uid = op.owner === undefined ? existing?.uid : idOf(uids, op.owner);
        const gid = op.group === undefined ? existing?.gid : idOf(gids, op.group);
        if (!existing) warn(`changes the owner of ${op.path}, which does not exist`);
        else if (uid === undefined || gid === undefined)
          warn(`gives ${op.path} to ${op.owner ?? ''}:${op.group ?? ''}, who does not exist`);
        else if (existing.type === 'symlink')
          warn(`changes the owner of ${op.path}, a symbolic link`);
        else if (existing.type === 'file' && existing.data === undefined)
          warn(`changes the owner of ${op.path}, whose content is not at hand`);
        else set({ ...existing, uid, gid });
        break;
      }
      case 'chmod': {
        const existing = get(at);
        if (!existing) warn(`changes the mode of ${op.path}, which does not exist`);
        else if (existing.type === 'symlink')
          warn(`changes the mode of ${op.path}, a symbolic link`);
        else if (existing.type === 'file' && existing.data === undefined)
          warn(`changes the mode of ${op.path}, whose content is not at hand`);
        else
          set({
            ...existing,
            mode: applyMode(existing.mode, op.mode, existing.type === 'directory'),
          });
        break;
      }
      case 'symlink': {
        const existing = get(at);
        if (existing?.type === 'directory') warn(`links ${op.path}, which is a directory`);
        // Without -f, ln fails on an existing path and changes nothing.
        else if (!existing || op.force)
          set({ path: at, type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: op.target });
        break;
      }
      case 'touch': {
        // An existing file only gets a new time, and every time in the image is the epoch.
        if (!get(at))
          set({ path: at, type: 'file', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array() });
        break;
      }
      case 'statoverride': {
        const uid = idOf(uids, op.owner);
        const gid = idOf(gids, op.group);
        if (uid === undefined || gid === undefined) {
          warn(`adds a statoverride for ${op.path} to ${op.owner}:${op.group}, who does not exist`);
          break;
        }
        if (overrides.some((o) => o.path === op.path)) {
          warn(`adds a second statoverride for ${op.path}`);
          break;
        }
        // dpkg writes the names of the ids it stored.
        const override: StatOverride = {
          owner: nameOf(uids, uid) ?? `#${uid}`,
          group: nameOf(gids, gid) ?? `#${gid}`,
          mode: op.mode,
          path: op.path,
        };
        overrides.push(override);
        // dpkg applies an override to the files it unpacks afterwards: in a preinst, to a
        // file of this install; --update applies it to the path as it is now.
        const unpackedLater = script === 'preinst' && input.shippedBy(at).length > 0;
        if (!op.update && !unpackedLater) break;
        const existing = get(at);
        // dpkg-statoverride --update on a missing path only warns.
        if (!existing) break;
        if (existing.type === 'symlink') break; // dpkg does not apply overrides to symlinks
        if (existing.type === 'file' && existing.data === undefined)
          warn(`applies a statoverride to ${op.path}, whose content is not at hand`);
        else set({ ...existing, uid, gid, mode: op.mode });
        break;
      }
      case 'divert': {
        const same = diversions.find((d) => d.path === op.path);
        if (same) {
          if (same.divertTo !== op.divertTo || same.package !== op.package)
            warn(`diverts ${op.path} again, differently`);
          break;
        }
        diversions.push({ path: op.path, divertTo: op.divertTo, package: op.package });
        if (op.rename) rename(op, pkg, warn);
        break;
      }
      case 'account': {
        const { account } = op;
        // adduser and addgroup take their lock by creating /run/adduser, and leave it there.
        if (!get('run/adduser'))
          set({
            path: 'run/adduser',
            type: 'file',
            mode: 0o644,
            uid: 0,
            gid: 0,
            data: Buffer.alloc(0),
          });
        if (account.groupOnly || !account.home || account.home === '/nonexistent') break;
        const home = input.canonical(account.home);
        if (get(home)) break; // adduser leaves an existing home as it is
        const uid = uids.get(account.name);
        const gid = uid === undefined ? undefined : primaryGid(input.users.passwd, account.name);
        if (uid === undefined || gid === undefined) break;
        set(dir(home, uid, gid, DIR_MODE));
        break;
      }
    }
  }

  function rename(
    op: Extract<ScriptOp, { op: 'divert' }>,
    pkg: string,
    warn: (what: string) => void,
  ): void {
    const from = input.canonical(op.path);
    const to = input.canonical(op.divertTo);
    const others = input.shippedBy(from).filter((p) => p !== op.package);
    if (others.length > 0) {
      warn(`diverts ${op.path}, which ${others.join(', ')} also ships`);
      return;
    }
    // What the preinst finds is the base's file: the packages are not unpacked yet.
    const found = input.base(from);
    if (!found) return;
    if (found.type === 'directory' || (found.type === 'file' && found.data === undefined)) {
      warn(`renames ${op.path} to ${op.divertTo}`);
      return;
    }
    set({ ...found, path: to });
    // The diverting package's own file takes the path; otherwise it is gone.
    if (!input.shippedBy(from).includes(pkg)) changed.set(from, null);
  }

  const entries: FileEntry[] = [];
  const removed: string[] = [];
  for (const [path, entry] of [...changed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (entry) entries.push(entry);
    else removed.push(path);
  }
  if (overrides.length > baseOverrides)
    entries.push(dbFile('var/lib/dpkg/statoverride', formatStatOverrides(overrides)));
  if (diversions.length > baseDiversions)
    entries.push(dbFile('var/lib/dpkg/diversions', formatDiversions(diversions as Diversion[])));
  return { entries, removed, warnings };
}

function primaryGid(passwd: string, name: string): number | undefined {
  const row = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  const gid = row?.split(':')[3];
  return gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined;
}

function dir(path: string, uid: number, gid: number, mode: number): FileEntry {
  return { path, type: 'directory', mode, uid, gid };
}

/** dpkg's database files: 0644, root. */
function dbFile(path: string, text: string): FileEntry {
  return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, data: Buffer.from(text) };
}
