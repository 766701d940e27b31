/**
 * src/fs.ts: regular files and new paths are replaced atomically (write beside,
 * rename); devices and FIFOs are written in place, never replaced by a regular
 * file; symbolic links are followed to the file they name.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { KuboxError } from '../../src/errors.js';
import { writeFileAtomic, writeOutput, writeOutputFile } from '../../src/fs.js';

const isRoot = process.getuid?.() === 0;
const TIMEOUT = 60_000;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'kubox-fs-'));
}

async function mkfifo(path: string): Promise<string> {
  await execa('mkfifo', [path]);
  return path;
}

/** A character device like /dev/null (1,3), made in a private directory. */
async function mknodNull(path: string): Promise<string> {
  await execa('mknod', [path, 'c', '1', '3']);
  return path;
}

/** Reads a FIFO to its end in another process, as a real consumer would. */
function readFifo(path: string) {
  return execa('cat', [path], { timeout: 50_000, stripFinalNewline: false });
}

afterEach(() => {
  // Whatever a test did, the machine's /dev/null is still the device.
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
});

describe('writeFileAtomic', { timeout: TIMEOUT }, () => {
  it('replaces a regular file by renaming a complete file over it', async () => {
    const dir = workdir();
    const file = join(dir, 'report.sarif');
    writeFileSync(file, 'old');
    const before = statSync(file).ino;
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['report.sarif']);
  });

  it('creates a new file, and the directories above it', async () => {
    const dir = workdir();
    const file = join(dir, 'a', 'b', 'out.txt');
    await writeFileAtomic(file, 'hello');
    expect(readFileSync(file, 'utf8')).toBe('hello');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['out.txt']);
  });

  it("replaces a symbolic link's target file and keeps the link", async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'report.txt');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.txt');
    symlinkSync(join('real', 'report.txt'), link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join('real', 'report.txt'));
    expect(readFileSync(target, 'utf8')).toBe('new');
    // The temporary file was beside the target, and is gone.
    expect(readdirSync(join(dir, 'real'))).toEqual(['report.txt']);
    expect(readdirSync(dir).sort()).toEqual(['link.txt', 'real']);
  });

  it('follows a link to nothing and creates the file it names', async () => {
    const dir = workdir();
    const link = join(dir, 'link.txt');
    symlinkSync('made.txt', link);
    await writeFileAtomic(link, 'made');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'made.txt'), 'utf8')).toBe('made');
  });

  it('writes into a FIFO in place, for a concurrent reader', async () => {
    const dir = workdir();
    const fifo = await mkfifo(join(dir, 'pipe'));
    const reader = readFifo(fifo);
    await writeFileAtomic(fifo, 'through the pipe\n');
    expect((await reader).stdout).toBe('through the pipe\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it('writes through a symbolic link to a FIFO, leaving both as they were', async () => {
    const dir = workdir();
    const fifo = await mkfifo(join(dir, 'pipe'));
    const link = join(dir, 'link');
    symlinkSync('pipe', link);
    const reader = readFifo(fifo);
    await writeFileAtomic(link, 'via the link');
    expect((await reader).stdout).toBe('via the link');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it.skipIf(!isRoot)('writes into a character device in place (mknod, as root)', async () => {
    const dir = workdir();
    const dev = await mknodNull(join(dir, 'null'));
    await writeFileAtomic(dev, 'discarded');
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['null']);
  });

  it('a directory in the way is a clear error, and nothing is left behind', async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'taken'));
    const err = await writeFileAtomic(join(dir, 'taken'), 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('io');
    expect((err as KuboxError).message).toContain(`cannot write ${join(dir, 'taken')}`);
    expect((err as KuboxError).hint).toBeTruthy();
    expect(statSync(join(dir, 'taken')).isDirectory()).toBe(true);
  });

  it('uses a different, unpredictable temporary name for every write', async () => {
    const dir = workdir();
    const file = join(dir, 'out.txt');
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await writeOutput(file, async (out) => {
        names.add(readdirSync(dir).find((n) => n !== 'out.txt')!);
        await pipeline(Readable.from(['x']), out);
      });
    }
    expect(names.size).toBe(3);
    for (const n of names) {
      expect(n).toMatch(/^out\.txt\.kubox-[0-9a-f]{24}\.tmp$/);
      expect(n).not.toContain(String(process.pid));
    }
  });
});

describe('writeOutput', { timeout: TIMEOUT }, () => {
  it('leaves the old file whole and no temporary file when the writer fails', async () => {
    const dir = workdir();
    const file = join(dir, 'out.tar');
    writeFileSync(file, 'old');
    const err = await writeOutput(file, async (out) => {
      out.write('half of it');
      throw new Error('the producer broke');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toBe(`cannot write ${file}: the producer broke`);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.tar']);
  });

  it('passes a KuboxError from the writer through unchanged', async () => {
    const dir = workdir();
    const mine = new KuboxError('build-failed', 'the build broke');
    const err = await writeOutput(join(dir, 'x'), () => Promise.reject(mine)).catch(
      (e: unknown) => e,
    );
    expect(err).toBe(mine);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a FIFO whose reader went away is an error, and the FIFO stays', async () => {
    const dir = workdir();
    const fifo = await mkfifo(join(dir, 'pipe'));
    // The reader takes one byte and leaves.
    const reader = execa('head', ['-c', '1', fifo], { timeout: 50_000 });
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const err = await writeOutput(fifo, (out) =>
      pipeline(Readable.from([big, big, big, big]), out),
    ).catch((e: unknown) => e);
    await reader;
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).message).toBe(`cannot write ${fifo}: EPIPE`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe('writeOutputFile (a program writes the file by name)', { timeout: TIMEOUT }, () => {
  it('gives a fresh temporary file beside the target and renames it when done', async () => {
    const dir = workdir();
    const file = join(dir, 'img.oci.tar');
    writeFileSync(file, 'old');
    let given = '';
    await writeOutputFile(file, async (path) => {
      given = path;
      expect(statSync(path).size).toBe(0);
      writeFileSync(path, 'archive');
      // It can be read back before it is renamed.
      expect(readFileSync(path, 'utf8')).toBe('archive');
    });
    expect(given).toMatch(/img\.oci\.tar\.kubox-[0-9a-f]{24}\.tmp$/);
    expect(readFileSync(file, 'utf8')).toBe('archive');
    expect(readdirSync(dir)).toEqual(['img.oci.tar']);
  });

  it('removes the temporary file and keeps the target when the program fails', async () => {
    const dir = workdir();
    const file = join(dir, 'img.oci.tar');
    writeFileSync(file, 'old');
    await expect(
      writeOutputFile(file, async (path) => {
        writeFileSync(path, 'half');
        throw new KuboxError('build-failed', 'buildx failed');
      }),
    ).rejects.toThrow('buildx failed');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['img.oci.tar']);
  });

  it('copies into a FIFO what the program wrote elsewhere', async () => {
    const dir = workdir();
    const fifo = await mkfifo(join(dir, 'pipe'));
    const reader = readFifo(fifo);
    await writeOutputFile(fifo, async (path) => {
      expect(path.startsWith(dir)).toBe(false);
      writeFileSync(path, 'copied');
    });
    expect((await reader).stdout).toBe('copied');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it.skipIf(!isRoot)('copies into a character device, which stays one', async () => {
    const dir = workdir();
    const dev = await mknodNull(join(dir, 'null'));
    await writeOutputFile(dev, async (path) => writeFileSync(path, 'discarded'));
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['null']);
  });
});
