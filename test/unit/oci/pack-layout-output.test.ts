/**
 * packLayout's archive: renamed into place when the target is a regular file
 * (or new), streamed in place into a FIFO or a device, never replacing one.
 */
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLayout,
  openLayout,
  packLayout,
  readBlob,
  writeBlob,
  writeIndex,
} from '../../../src/oci/layout.js';

const isRoot = process.getuid?.() === 0;

const blob = Buffer.from('{"not":"really a manifest"}');
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

async function layout(): Promise<{ dir: string; work: string }> {
  const work = mkdtempSync(join(tmpdir(), 'kubox-pack-'));
  const dir = join(work, 'layout');
  await createLayout(dir);
  await writeBlob(dir, digest, blob);
  await writeIndex(dir, {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: blob.length },
    ],
  });
  return { dir, work };
}

async function expectArchive(path: string): Promise<void> {
  const opened = await openLayout(path);
  try {
    expect(opened.index.manifests[0]!.digest).toBe(digest);
    expect((await readBlob(opened, digest)).equals(blob)).toBe(true);
  } finally {
    await opened.close();
  }
}

afterEach(() => {
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
});

describe('packLayout', { timeout: 60_000 }, () => {
  it('writes a regular file beside its target and renames it, leaving nothing else', async () => {
    const { dir, work } = await layout();
    const tar = join(work, 'out', 'img.oci.tar');
    await packLayout(dir, tar);
    await expectArchive(tar);
    writeFileSync(tar, 'old');
    const before = statSync(tar).ino;
    await packLayout(dir, tar);
    expect(statSync(tar).ino).not.toBe(before);
    await expectArchive(tar);
    expect(readdirSync(join(work, 'out'))).toEqual(['img.oci.tar']);
  });

  it("replaces a symbolic link's target, not the link", async () => {
    const { dir, work } = await layout();
    const real = join(work, 'real.tar');
    writeFileSync(real, 'old');
    symlinkSync('real.tar', join(work, 'link.tar'));
    await packLayout(dir, join(work, 'link.tar'));
    expect(lstatSync(join(work, 'link.tar')).isSymbolicLink()).toBe(true);
    await expectArchive(real);
  });

  it('streams into a FIFO in place for a concurrent reader', async () => {
    const { dir, work } = await layout();
    const fifo = join(work, 'pipe');
    await execa('mkfifo', [fifo]);
    const copy = join(work, 'copy.tar');
    const reader = execa('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, copy], { timeout: 50_000 });
    await packLayout(dir, fifo);
    await reader;
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    await expectArchive(copy);
    const names = (await execa('tar', ['-tf', copy])).stdout.split('\n');
    expect(names).toEqual(['oci-layout', 'index.json', `blobs/sha256/${digest.slice(7)}`]);
    expect(readdirSync(work).sort()).toEqual(['copy.tar', 'layout', 'pipe']);
  });

  it.skipIf(!isRoot)('writes into a character device, which stays one', async () => {
    const { dir, work } = await layout();
    const dev = join(work, 'null');
    await execa('mknod', [dev, 'c', '1', '3']);
    await packLayout(dir, dev);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(readFileSync(dev).length).toBe(0);
    expect(readdirSync(work).sort()).toEqual(['layout', 'null']);
  });

  it('a missing blob directory fails without leaving a partial archive', async () => {
    const { work } = await layout();
    const tar = join(work, 'img.oci.tar');
    await expect(packLayout(join(work, 'nowhere'), tar)).rejects.toThrow(
      `cannot write ${tar}: ENOENT`,
    );
    expect(readdirSync(work).sort()).toEqual(['layout']);
  });
});
