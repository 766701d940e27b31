/**
 * The spec's user, as a Dockerfile would create it:
 *
 *   (getent group <gid> || groupadd --gid <gid> <name>) &&
 *   useradd --no-log-init --create-home --home-dir <home> --shell <shell> \
 *           --uid <uid> --gid <gid> <name>
 *
 * computed on the base's /etc files instead of run. Pure.
 */
import { KuboxError } from '../errors.js';
import type { FileEntry } from '../oci/file-entry.js';
import type { SystemAccount } from './script-ops.js';

export interface UserFiles {
  passwd: string;
  group: string;
  shadow?: string;
  gshadow?: string;
  /** /etc/subuid and /etc/subgid: useradd allocates a range when the files exist. */
  subuid?: string;
  subgid?: string;
}

export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** shadow(5) ageing fields useradd takes from login.defs (Debian's defaults). */
const PASS_MIN_DAYS = 0;
const PASS_MAX_DAYS = 99999;
const PASS_WARN_AGE = 7;
/** login.defs SUB_UID_MIN / SUB_UID_COUNT defaults (same for gids). */
const SUB_MIN = 100000;
const SUB_COUNT = 65536;

function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function append(text: string, line: string): string {
  if (text === '') return `${line}\n`;
  return `${text.endsWith('\n') ? text : `${text}\n`}${line}\n`;
}

/** The lowest free range of `count` ids at or above `min`, as useradd's find_free_range picks it. */
function freeRange(text: string, min: number, count: number): number {
  const taken = rows(text)
    .map((r) => [Number(r[1]), Number(r[2])] as const)
    .filter(([s, n]) => Number.isInteger(s) && Number.isInteger(n))
    .sort((a, b) => a[0] - b[0]);
  let start = min;
  for (const [s, n] of taken) {
    if (s + n <= start) continue;
    if (s >= start + count) break;
    start = s + n;
  }
  return start;
}

/**
 * The /etc files after the group (if its gid is new) and the user are added.
 * A name or uid already taken fails as useradd would, with a KuboxError
 * ('spec'), unless the existing entry is exactly this user (a rebuild).
 */
export function addUser(files: UserFiles, user: User, opts: { days: number }): UserFiles {
  const { name, uid, gid, home, shell } = user;
  const passwdLine = `${name}:x:${uid}:${gid}::${home}:${shell}`;
  const passwd = rows(files.passwd);
  const same = passwd.find((r) => r[0] === name);
  if (same) {
    if (same.join(':') === passwdLine) return files;
    throw new KuboxError('spec', `user "${name}" already exists in the base image's /etc/passwd`, {
      hint: `choose another user.name, or set user.uid/gid/home/shell to match the existing entry "${same.join(':')}"`,
    });
  }
  const byUid = passwd.find((r) => r[2] === String(uid));
  if (byUid)
    throw new KuboxError(
      'spec',
      `uid ${uid} is already used by user "${byUid[0]}" in the base image`,
      {
        hint: 'choose another user.uid (useradd refuses a duplicate uid)',
      },
    );

  const out: UserFiles = { ...files };
  const groups = rows(files.group);
  if (!groups.some((r) => r[2] === String(gid))) {
    const byName = groups.find((r) => r[0] === name);
    if (byName)
      throw new KuboxError(
        'spec',
        `group "${name}" already exists in the base image with gid ${byName[2]}, not ${gid}`,
        { hint: `set user.gid to ${byName[2]}, or choose another user.name` },
      );
    out.group = append(files.group, `${name}:x:${gid}:`);
    if (files.gshadow !== undefined) out.gshadow = append(files.gshadow, `${name}:!::`);
  }
  out.passwd = append(files.passwd, passwdLine);
  // No password given: useradd writes "!" (locked) and today as the last change.
  if (files.shadow !== undefined)
    out.shadow = append(
      files.shadow,
      `${name}:!:${opts.days}:${PASS_MIN_DAYS}:${PASS_MAX_DAYS}:${PASS_WARN_AGE}:::`,
    );
  if (files.subuid !== undefined)
    out.subuid = append(
      files.subuid,
      `${name}:${freeRange(files.subuid, SUB_MIN, SUB_COUNT)}:${SUB_COUNT}`,
    );
  if (files.subgid !== undefined)
    out.subgid = append(
      files.subgid,
      `${name}:${freeRange(files.subgid, SUB_MIN, SUB_COUNT)}:${SUB_COUNT}`,
    );
  return out;
}

/**
 * The home directory (HOME_MODE, owned by the user) and /etc/skel copied into
 * it, every copy owned by the user with the skel file's mode. `skel` keys are
 * paths relative to etc/skel (".bashrc", "sub/dir/file").
 */
export function homeEntries(
  user: User,
  skel: Map<string, { data: Uint8Array; mode: number }>,
  opts: { homeMode: number },
): FileEntry[] {
  const home = user.home.replace(/^\/+/, '').replace(/\/+$/, '');
  const owned = { uid: user.uid, gid: user.gid };
  const out: FileEntry[] = [{ path: home, type: 'directory', mode: opts.homeMode, ...owned }];
  const dirs = new Set<string>();
  for (const key of [...skel.keys()].sort()) {
    const rel = key.replace(/^\.?\/+/, '').replace(/^etc\/skel\//, '');
    const parts = rel.split('/');
    // Sub-directories of skel (rare) are copied too; useradd keeps their mode, 0755 on Debian.
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      out.push({ path: `${home}/${d}`, type: 'directory', mode: 0o755, ...owned });
    }
    const f = skel.get(key)!;
    out.push({
      path: `${home}/${rel}`,
      type: 'file',
      mode: f.mode & 0o7777,
      ...owned,
      data: f.data,
    });
  }
  return out;
}

/** useradd's home mode: HOME_MODE from login.defs, else 0777 minus UMASK (022 when unset: 0755). */
export function loginDefsHomeMode(loginDefs: string | undefined): number {
  const value = (key: string) => {
    const m = new RegExp(`^[ \\t]*${key}[ \\t]+(\\S+)`, 'm').exec(loginDefs ?? '');
    if (!m) return undefined;
    const n = Number.parseInt(m[1]!, 8);
    return Number.isNaN(n) ? undefined : n;
  };
  const home = value('HOME_MODE');
  if (home !== undefined) return home & 0o7777;
  return 0o777 & ~(value('UMASK') ?? 0o022);
}

/** adduser.conf's defaults for system accounts (FIRST_SYSTEM_UID/GID .. LAST_SYSTEM_UID/GID). */
const FIRST_SYSTEM_ID = 100;
const LAST_SYSTEM_ID = 999;
const NOGROUP = 65534;

function firstFree(table: string[][]): number | undefined {
  const used = new Set(table.map((r) => Number(r[2])));
  for (let id = FIRST_SYSTEM_ID; id <= LAST_SYSTEM_ID; id++) if (!used.has(id)) return id;
  return undefined;
}

/**
 * `adduser --system [--group] [--home H] [--shell S] NAME`, as a package's
 * postinst runs it (redis-server's for its `redis` user): the first free
 * system uid (and gid with --group), primary group nogroup otherwise, shell
 * /usr/sbin/nologin, home /nonexistent. adduser 3.134 (bookworm) runs
 * `useradd --system`, which writes a locked password and no ageing fields:
 * the shadow line is `NAME:!:DAYS::::::`, the gshadow line `NAME:!::`
 * (checked by running bookworm's adduser on the python:3.13-slim base). The
 * home directory is made with the script's other effects
 * (apply-script-ops.ts). An existing user is left as it is, as adduser does.
 * Undefined when it cannot be done as adduser would (an --ingroup group, no
 * free system id): the caller then reports it instead.
 */
export function addSystemUser(
  files: UserFiles,
  su: Omit<SystemAccount, 'groupOnly'>,
  opts: { days: number },
): { files: UserFiles; user: User; existed?: true } | undefined {
  const passwd = rows(files.passwd);
  const existing = passwd.find((r) => r[0] === su.name);
  const home = su.home ?? '/nonexistent';
  const shell = su.shell ?? '/usr/sbin/nologin';
  if (existing)
    return {
      files,
      existed: true,
      user: {
        name: su.name,
        uid: Number(existing[2]),
        gid: Number(existing[3]),
        home: existing[5] ?? home,
        shell: existing[6] ?? shell,
      },
    };
  if (su.ingroup !== undefined) return undefined;
  const uid = firstFree(passwd);
  if (uid === undefined) return undefined;
  const out: UserFiles = { ...files };
  let gid = NOGROUP;
  if (su.group) {
    const groups = rows(files.group);
    const named = groups.find((r) => r[0] === su.name);
    const free = firstFree(groups);
    if (named) gid = Number(named[2]);
    else if (free === undefined) return undefined;
    else {
      gid = free;
      out.group = append(files.group, `${su.name}:x:${gid}:`);
      if (files.gshadow !== undefined) out.gshadow = append(files.gshadow, `${su.name}:!::`);
    }
  }
  out.passwd = append(files.passwd, `${su.name}:x:${uid}:${gid}::${home}:${shell}`);
  if (files.shadow !== undefined)
    out.shadow = append(files.shadow, `${su.name}:!:${opts.days}::::::`);
  return { files: out, user: { name: su.name, uid, gid, home, shell } };
}

/**
 * `addgroup --system NAME`: the first free system gid, `NAME:x:GID:` and
 * `NAME:!::`. An existing group is left as it is; undefined when no system
 * gid is free.
 */
export function addSystemGroup(files: UserFiles, name: string): UserFiles | undefined {
  const groups = rows(files.group);
  if (groups.some((r) => r[0] === name)) return files;
  const gid = firstFree(groups);
  if (gid === undefined) return undefined;
  const out: UserFiles = { ...files, group: append(files.group, `${name}:x:${gid}:`) };
  if (files.gshadow !== undefined) out.gshadow = append(files.gshadow, `${name}:!::`);
  return out;
}

/**
 * The system accounts packages' scripts add, in install order, over the
 * base's files. The same list gives the same ids, wherever it is computed.
 */
export function addSystemAccounts(
  files: UserFiles,
  accounts: readonly SystemAccount[],
  opts: { days: number },
): UserFiles {
  let out = files;
  for (const a of accounts) {
    if (a.groupOnly) out = addSystemGroup(out, a.name) ?? out;
    else out = addSystemUser(out, a, opts)?.files ?? out;
  }
  return out;
}
