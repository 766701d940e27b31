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
import { constants, createReadStream } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
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

/** Symbolic links followed before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;

interface Target {
  /** The path written: the target itself, or the file its symbolic links lead to. */
  path: string;
  /** It exists and is not a regular file: written in place, never replaced. */
  special: boolean;
}

/** Follows `path`'s symbolic links to what a write should go to. */
async function resolveTarget(path: string, links = 0): Promise<Target> {
  try {
    const real = await realpath(path);
    return { path: real, special: !(await stat(real)).isFile() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // Nothing there, or a link to nothing: a link is followed to the file it names (created).
  const link = await lstat(path).catch(() => undefined);
  if (!link?.isSymbolicLink()) return { path, special: false };
  if (links >= MAX_LINKS) {
    throw Object.assign(new Error(`too many symbolic links at ${path}`), { code: 'ELOOP' });
  }
  const dir = await realpath(dirname(path)).catch(() => dirname(path));
  return resolveTarget(resolve(dir, await readlink(path)), links + 1);
}

function ioError(shown: string, e: unknown): KuboxError {
  if (e instanceof KuboxError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new KuboxError('io', `cannot write ${shown}: ${code ?? (e as Error).message}`, {
    hint:
      code === 'EPIPE'
        ? 'the reader of the pipe closed it before kubox finished writing'
        : 'check that the directory can be created and written',
    cause: e,
  });
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
  const tmp = `${path}.kubox-${randomBytes(12).toString('hex')}.tmp`;
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new KuboxError('io', `cannot write ${shown}: its temporary file ${tmp} already exists`, {
      hint: 'something else created that file; kubox does not write through it. Remove it and run again',
      cause: e,
    });
  }
  try {
    await fill(tmp, fh);
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
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
    try {
      const file = join(dir, basename(t.path));
      await produce(file);
      await writeThrough(await openInPlace(t.path, target), (out) =>
        pipeline(createReadStream(file), out),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } catch (e) {
    throw ioError(target, e);
  }
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await writeOutput(path, (out) => pipeline(Readable.from([Buffer.from(content)]), out));
}
