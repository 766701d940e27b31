/**
 * Writing the files kubox produces. A regular file (or a new path) is written
 * beside its target under an unpredictable name, created exclusively, and
 * renamed over the target only when complete: no half-written file is ever
 * left, and the temporary file is removed on failure. A target that exists and
 * is not a regular file (/dev/null, a FIFO, a terminal) is written in place:
 * renaming over it would replace the device or pipe with a regular file. A
 * symbolic link is followed: its target decides, and is what gets replaced.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream, rmSync } from 'node:fs';
import {
  access,
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { KuboxError } from './errors.js';

/** Temporary paths to remove if the process is interrupted before it removes or renames them. */
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Removes what is pending, then dies of the same signal, so the exit status says so (130, 143). */
function onSignal(signal: NodeJS.Signals): void {
  for (const path of pending) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort: the process is going away.
    }
  }
  pending.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

/**
 * Registers `path` (a file or a directory) to be removed if SIGINT, SIGTERM
 * or SIGHUP arrives before the returned function is called. kubox's handler
 * is installed only while something is registered, so Node's default (exit
 * by that signal) applies otherwise, and applies again after the clean-up.
 */
export function removeOnSignal(path: string): () => void {
  if (pending.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  pending.add(path);
  return () => {
    if (!pending.delete(path) || pending.size > 0) return;
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
}

/** A temporary file this old was left by a run that was killed (SIGKILL, a power cut). */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Removes the temporary files an earlier, killed kubox left beside `path`
 * (`<name>.kubox-<hex>.tmp`, older than STALE_TEMP_MS, owned by this user:
 * never another user's file in a shared directory). Best effort.
 */
async function sweepStaleTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}.kubox-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const me = process.geteuid?.();
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{24}\.tmp$/.test(name.slice(prefix.length)))
      continue;
    const file = join(dirname(path), name);
    const st = await lstat(file).catch(() => undefined);
    if (!st?.isFile() || (me !== undefined && st.uid !== me)) continue;
    if (Date.now() - st.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true }).catch(() => {});
  }
}

/** Symbolic links followed before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;

interface Target {
  /** The path written: the target itself, or the file its symbolic links lead to. */
  path: string;
  /** It exists and is not a regular file: written in place, never replaced. */
  special: boolean;
}

/**
 * Refuses to follow the symbolic link `path` when another user could have
 * planted it: it sits in a sticky, world-writable directory (/tmp, a shared
 * CI work directory) and belongs neither to that directory's owner nor to
 * this process. The kernel's fs.protected_symlinks rule, applied here because
 * kubox follows links itself (realpath, then rename): otherwise root writing
 * /tmp/out.tar could replace whatever file another user's link names.
 */
async function checkPlantedLink(path: string): Promise<void> {
  // The path itself and each directory on the way: a planted link to a directory
  // (/tmp/shared/sub -> /etc) would redirect the write as surely.
  const full = resolve(path);
  for (let end = full.length; end > 1; end = full.lastIndexOf('/', end - 1)) {
    const part = full.slice(0, end);
    const link = await lstat(part).catch(() => undefined);
    if (!link?.isSymbolicLink()) continue;
    const dir = await stat(dirname(part)).catch(() => undefined);
    if (!dir) continue;
    const shared = (dir.mode & 0o1000) !== 0 && (dir.mode & 0o002) !== 0;
    const me = process.geteuid?.() ?? -1;
    if (shared && link.uid !== dir.uid && link.uid !== me)
      throw new KuboxError(
        'io',
        `cannot write ${path}: ${part === full ? 'it' : part} is a symbolic link owned by another user (uid ${link.uid}) in a shared, world-writable directory; kubox does not follow it`,
        {
          hint: 'write to a directory only you can write to, or remove the link if you trust it',
        },
      );
  }
}

/** Follows `path`'s symbolic links to what a write should go to. */
async function resolveTarget(path: string, links = 0): Promise<Target> {
  await checkPlantedLink(path);
  try {
    const real = await realpath(path);
    return { path: real, special: !(await stat(real)).isFile() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // Nothing there, or a link to nothing: a link is followed to the file it names (created).
  const link = await lstat(path).catch(() => undefined);
  if (!link?.isSymbolicLink()) return { path, special: false };
  await checkPlantedLink(path);
  if (links >= MAX_LINKS) {
    throw Object.assign(new Error(`too many symbolic links at ${path}`), { code: 'ELOOP' });
  }
  const dir = await realpath(dirname(path)).catch(() => dirname(path));
  return resolveTarget(resolve(dir, await readlink(path)), links + 1);
}

function ioError(shown: string, e: unknown): KuboxError {
  if (e instanceof KuboxError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, [string, string]> = {
    ENOTDIR: [
      'a part of its path is a file, not a directory',
      'choose a path whose directories are directories',
    ],
    // mkdir of a parent that exists as a file.
    EEXIST: [
      'a part of its path is a file, not a directory',
      'choose a path whose directories are directories',
    ],
    EACCES: ['permission denied', 'choose a directory you can write, or fix its permissions'],
    EPERM: ['permission denied', 'choose a directory you can write, or fix its permissions'],
    EROFS: ['the file system is read-only', 'choose a path on a writable file system'],
    EISDIR: ['it is a directory', 'name a file inside it instead'],
    ENOSPC: ['the disk is full', 'free some space and run again'],
    ELOOP: ['too many symbolic links', 'check the symbolic links on the path'],
    EPIPE: ['EPIPE', 'the reader of the pipe closed it before kubox finished writing'],
  };
  const [reason, hint] = (code && why[code]) || [
    code ?? (e as Error).message,
    'check that the directory can be created and written',
  ];
  return new KuboxError('io', `cannot write ${shown}: ${reason}`, { hint, cause: e });
}

/** Opens an existing non-regular file for writing, without creating or truncating anything. */
async function openInPlace(path: string, shown: string): Promise<FileHandle> {
  // Blocks until a FIFO has a reader, as any writer of a FIFO does.
  const fh = await open(path, constants.O_WRONLY | constants.O_NOCTTY);
  if ((await fh.stat().catch(() => undefined))?.isFile() ?? true) {
    await fh.close();
    throw new KuboxError('io', `cannot write ${shown}: it was replaced while kubox wrote it`, {
      hint: 'run the command again',
    });
  }
  return fh;
}

/** Hands `write` a stream over `fh` (closed with it) and waits until everything is written. */
async function writeThrough(fh: FileHandle, write: (out: Writable) => Promise<void>) {
  const out = fh.createWriteStream();
  // Errors reach the caller through `write` and `finished`, never as an unhandled event.
  out.on('error', () => {});
  try {
    await write(out);
    await finished(out);
  } catch (e) {
    out.destroy();
    await finished(out).catch(() => {});
    throw e;
  }
}

/**
 * Replaces the regular file (or new path) `path` with what `fill` writes to a
 * temporary file beside it, created exclusively under a random name: a file or
 * link planted at that name makes the write fail instead of being followed.
 */
async function replaceAtomically(
  path: string,
  shown: string,
  fill: (tmp: string, fh: FileHandle) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await sweepStaleTemps(path);
  const tmp = `${path}.kubox-${randomBytes(12).toString('hex')}.tmp`;
  // The mode a new output gets, or the one the file it replaces had; the temporary
  // file itself is private (0600) until it is complete.
  const mode = (await stat(path).catch(() => undefined))?.mode ?? 0o644;
  let fh: FileHandle;
  try {
    // O_CREAT|O_EXCL: a file or symbolic link planted at this name is an error, never followed.
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new KuboxError('io', `cannot write ${shown}: its temporary file ${tmp} already exists`, {
      hint: 'something else created that file; kubox does not write through it. Remove it and run again',
      cause: e,
    });
  }
  const forget = removeOnSignal(tmp);
  try {
    await fill(tmp, fh);
    await chmod(tmp, mode & 0o777);
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  } finally {
    forget();
  }
}

/**
 * Writes `target` with what `write` sends to the stream it is given (it must
 * end the stream, e.g. through `pipeline`). Regular files and new paths are
 * replaced atomically; an existing device, FIFO or other special file is
 * written in place.
 */
export async function writeOutput(
  target: string,
  write: (out: Writable) => Promise<void>,
): Promise<void> {
  try {
    const t = await resolveTarget(target);
    if (t.special) await writeThrough(await openInPlace(t.path, target), write);
    else await replaceAtomically(t.path, target, (_tmp, fh) => writeThrough(fh, write));
  } catch (e) {
    throw ioError(target, e);
  }
}

/**
 * Writes `target` through a program that can only write a file by name
 * (`produce` gets the path to write). For a regular file or new path, that is
 * the exclusively created temporary file beside it, renamed over the target
 * when `produce` succeeds. For an existing special file, it is a file in a
 * private temporary directory whose bytes are then copied into the target.
 * Either way, `produce` may read the file back before it returns.
 */
export async function writeOutputFile(
  target: string,
  produce: (file: string) => Promise<void>,
): Promise<void> {
  try {
    const t = await resolveTarget(target);
    if (!t.special) {
      await replaceAtomically(t.path, target, async (tmp, fh) => {
        await fh.close();
        await produce(tmp);
      });
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'kubox-output-'));
    const forget = removeOnSignal(dir);
    try {
      const file = join(dir, basename(t.path));
      await produce(file);
      await writeThrough(await openInPlace(t.path, target), (out) =>
        pipeline(createReadStream(file), out),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      forget();
    }
  } catch (e) {
    throw ioError(target, e);
  }
}

/**
 * Fails now, as writing `target` would fail after a long build: a parent
 * that is a file, a directory that cannot be written, a planted link, a
 * directory where the file should be. Creates nothing.
 */
export async function checkOutputTarget(target: string): Promise<void> {
  try {
    const t = await resolveTarget(target);
    if (t.special) return;
    if ((await stat(t.path).catch(() => undefined))?.isDirectory())
      throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    // The nearest directory that exists is where the missing ones (and the file) will be made.
    let dir = dirname(t.path);
    for (;;) {
      const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      });
      if (st) {
        if (!st.isDirectory())
          throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
        await access(dir, constants.W_OK);
        return;
      }
      if (dirname(dir) === dir) return;
      dir = dirname(dir);
    }
  } catch (e) {
    throw ioError(target, e);
  }
}

export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  await writeOutput(path, (out) => pipeline(Readable.from([bytes]), out));
}
