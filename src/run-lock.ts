/**
 * One kubox run at a time per spec directory: an advisory lock file beside
 * kubox.lock (`kubox.lock.run`), created with O_CREAT|O_EXCL and holding the
 * holder's pid, host and start time. Concurrent builds of one spec would
 * otherwise each write kubox.lock and the archive, and the lock left on disk
 * could describe another build than the archive beside it.
 *
 * A lock whose pid is dead (on this host) is stale and taken over; a live one
 * is waited for, with a message, for a bounded time. The lock is removed when
 * the run ends, and on SIGINT/SIGTERM/SIGHUP (through fs.ts's clean-up).
 * It is advisory: only kubox runs honour it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { KuboxError } from './errors.js';
import { removeOnSignal } from './fs.js';

export interface RunLockOptions {
  /** Told once when the lock is held by another run and kubox waits for it. */
  log?: (message: string) => void;
  /** How long to wait for another run before giving up (default 15 minutes). */
  timeoutMs?: number;
  /** How often to look again (default 250 ms). */
  pollMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  started: string;
  /** Random: tells this run's lock from a later one with a reused pid. */
  token: string;
}

/** The run lock beside a kubox.lock path: `kubox.lock.run`. */
export function runLockPath(lockFile: string): string {
  return `${lockFile}.run`;
}

/** A lock file still being written (created, not yet filled) is younger than this. */
const WRITING_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string')
      return h as Holder;
  } catch {
    // Missing, empty (being written) or not ours: undefined.
  }
  return undefined;
}

async function tryCreate(path: string, me: Holder): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KuboxError(
      'io',
      `cannot create the run lock ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        hint: 'kubox needs to write beside the spec; check that its directory is writable',
        cause: e,
      },
    );
  }
  try {
    await fh.writeFile(`${JSON.stringify(me)}\n`);
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Removes the lock at `path` if it is stale: its holder's pid is dead on this
 * host, or it was left empty long ago. Another waiter may decide the same at
 * the same moment, so the removal goes through a second exclusive file
 * (`.break`) and re-reads the lock under it: only the stale lock is removed,
 * never one a faster waiter has just created.
 */
async function breakIfStale(path: string, seen: Holder | undefined): Promise<boolean> {
  if (seen && (seen.host !== hostname() || alive(seen.pid))) return false;
  if (!seen) {
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age < WRITING_MS) return false;
  }
  const breaker = `${path}.break`;
  const mine = await open(
    breaker,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600,
  ).catch(async (e: NodeJS.ErrnoException) => {
    // A breaker that died mid-way leaves its file: old ones are removed for the next try.
    if (e.code === 'EEXIST') {
      const old = await stat(breaker).then(
        (s) => Date.now() - s.mtimeMs > WRITING_MS,
        () => false,
      );
      if (old) await rm(breaker, { force: true });
    }
    return undefined;
  });
  if (!mine) return false;
  try {
    await mine.close();
    const now = await readHolder(path);
    if (now?.token !== seen?.token) return false;
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(breaker, { force: true });
  }
}

/**
 * Runs `fn` holding the run lock at `path` (see runLockPath), waiting while
 * another live kubox run holds it. The lock is not re-entrant: `fn` must not
 * take the same lock again (it would wait for itself until the time-out).
 */
export async function withRunLock<T>(
  path: string,
  fn: () => Promise<T>,
  opts: RunLockOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60 * 1000;
  const pollMs = opts.pollMs ?? 250;
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    if (await tryCreate(path, me)) break;
    const holder = await readHolder(path);
    if (await breakIfStale(path, holder)) continue;
    if (Date.now() >= deadline)
      throw new KuboxError(
        'lock',
        `another kubox run holds ${path}${holder ? ` (pid ${holder.pid} on ${holder.host}, since ${holder.started})` : ''}; gave up after ${Math.round(timeoutMs / 1000)} s`,
        {
          hint: 'wait for it to finish; if no kubox is running, remove the file and run again',
        },
      );
    if (!told) {
      told = true;
      opts.log?.(
        `waiting for another kubox run to finish (${holder ? `pid ${holder.pid}, since ${holder.started}` : 'starting'}; lock ${path})`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const forget = removeOnSignal(path);
  try {
    return await fn();
  } finally {
    forget();
    // Only our own lock: never one a later run took over after ours was judged stale.
    if ((await readHolder(path))?.token === me.token) await rm(path, { force: true });
  }
}
