/**
 * The image model over its local sources: a layout directory, an archive
 * read in place (its tar indexed, nothing extracted), kubox's cache in front
 * of another source; and the one parser of image names.
 */
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArchive } from '../../../src/image/archive.js';
import { cachedSource } from '../../../src/image/cache.js';
import { layoutSource, openLayoutDir } from '../../../src/image/layout-dir.js';
import { platformOf, type ImageNode } from '../../../src/image/model.js';
import { layoutPath, parseImageName } from '../../../src/image/name.js';
import { openImage } from '../../../src/image/open.js';
import { bottomUp, openDigest, platformImages, type Source } from '../../../src/image/source.js';
import { summarize } from '../../../src/image/summary.js';
import { indexTar } from '../../../src/image/tar-index.js';
import { writeLayout } from '../../../src/image/write.js';
import { blobPath, packLayout } from '../../../src/oci/layout.js';
import { ReferenceError } from '../../../src/oci/reference.js';
import { caught } from '../../support/caught.js';
import { makeImage, type MadeImage } from '../../support/make-image.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function bytes(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

let dir: string;
let layout: string;
let made: MadeImage;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-image-'));
  layout = join(dir, 'layout');
  made = await makeImage(layout, {
    platforms: ['linux/amd64', 'linux/arm64'],
    layerSizes: [3000, 70_000],
    seed: 7,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What a reader sees of an image: every node's digest, each image's platform, layers and bytes. */
async function shape(root: ImageNode) {
  const images = await platformImages(root);
  return {
    digest: root.descriptor.digest,
    nodes: (await bottomUp(root)).map((n) => n.descriptor.digest),
    images: await Promise.all(
      images.map(async (i) => ({
        platform: platformOf(i),
        layers: await Promise.all(i.layers.map(async (l) => digestOf(await bytes(l.open())))),
      })),
    ),
  };
}

describe('one image, three ways of storing it', () => {
  it('reads the same image from a layout directory, its archive, and a layout written from that', async () => {
    const tar = join(dir, 'image.tar');
    await packLayout(layout, tar);
    const fromDir = await openLayoutDir(layout);
    const fromTar = await openArchive(tar);
    expect(fromDir.descriptor.digest).toBe(made.digest);
    const want = await shape(fromDir);
    expect(want.images.map((i) => i.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    // Every layer read back hashes to its digest.
    const layers = (await platformImages(fromDir)).flatMap((i) => i.layers.map((l) => l.digest));
    expect(want.images.flatMap((i) => i.layers)).toEqual(layers);
    expect(await shape(fromTar)).toEqual(want);

    const copy = join(dir, 'copy');
    await writeLayout(copy, fromTar, { annotations: { 'org.opencontainers.image.ref.name': '1' } });
    expect(await shape(await openLayoutDir(copy))).toEqual(want);
    const index = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8'));
    expect(index.manifests[0].annotations).toEqual({ 'org.opencontainers.image.ref.name': '1' });
  });

  it('hard-links blobs a source keeps on disk', async () => {
    const copy = join(dir, 'copy');
    await writeLayout(copy, await openLayoutDir(layout));
    const root = await openLayoutDir(layout);
    const [first] = await platformImages(root);
    const layer = first!.layers[0]!;
    expect(statSync(blobPath(copy, layer.digest)).ino).toBe(statSync(layer.path!).ino);
  });

  it('reads a part of a layer for a resumed upload, and refuses a blob of the wrong size', async () => {
    const tar = join(dir, 'image.tar');
    await packLayout(layout, tar);
    const [image] = await platformImages(await openArchive(tar));
    const layer = image!.layers[1]!;
    const whole = await bytes(layer.open());
    expect(whole.length).toBe(layer.size);
    expect((await bytes(layer.open(100, 200))).equals(whole.subarray(100, 200))).toBe(true);

    writeFileSync(blobPath(layout, layer.digest), 'short');
    const [fromDir] = await platformImages(await openLayoutDir(layout));
    const lying = fromDir!.layers.find((l) => l.digest === layer.digest)!;
    expect(() => lying.open()).toThrow(
      `blob ${layer.digest} is 5 bytes in the layout, its descriptor says ${layer.size}`,
    );
  });

  it('summarizes for inspect and verify', async () => {
    const summary = await summarize(await openLayoutDir(layout));
    expect(summary.digest).toBe(made.digest);
    expect(summary.images.map((i) => [i.platform, i.digest])).toEqual(
      made.platforms.map((p) => [p.platform, p.digest]),
    );
  });
});

describe('archives, read in place', () => {
  it('indexes long names (PAX headers) and skips what is not a regular file', async () => {
    const tar = join(dir, 'names.tar');
    const p = pack();
    const written = pipeline(p, createWriteStream(tar));
    const long = `blobs/sha256/${'d'.repeat(120)}`;
    p.entry({ name: './index.json' }, '{}');
    p.entry({ name: long }, 'long');
    p.entry({ name: 'dir', type: 'directory' });
    p.entry({ name: 'link', type: 'symlink', linkname: 'index.json' });
    p.entry({ name: 'last' }, Buffer.alloc(1025, 1));
    p.finalize();
    await written;
    const files = await indexTar(tar);
    expect([...files.keys()]).toEqual(['index.json', long, 'last']);
    const raw = readFileSync(tar);
    const at = (name: string) => {
      const f = files.get(name)!;
      return raw.subarray(f.offset, f.offset + f.size);
    };
    expect(at(long).toString()).toBe('long');
    expect(at('last').equals(Buffer.alloc(1025, 1))).toBe(true);
  });

  it('says what is wrong with a file that is not a layout archive', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, I am not a tar\n'.repeat(100));
    const e1 = await caught(openArchive(text));
    expect([e1.kind, e1.message]).toEqual([
      'io',
      `cannot read the OCI archive ${text}: bad tar header at byte 0`,
    ]);
    const empty = join(dir, 'empty.tar');
    const p = pack();
    const written = pipeline(p, createWriteStream(empty));
    p.entry({ name: 'oci-layout' }, '{}');
    p.finalize();
    await written;
    const e2 = await caught(openArchive(empty));
    expect(e2.message).toBe(`${empty} is not an OCI image layout archive (no index.json)`);
  });
});

describe('kubox’s cache in front of a source', () => {
  it('fetches what it lacks once, checked, and then reads from disk', async () => {
    const cache = join(dir, 'cache');
    const upstream = layoutSource(layout);
    const asked: string[] = [];
    const counting: Source = {
      manifest: (d) => (asked.push(d.digest), upstream.manifest(d)),
      smallBlob: (d) => (asked.push(d.digest), upstream.smallBlob(d)),
      layer: (d) => (asked.push(d.digest), upstream.layer(d)),
    };
    const read = async () => {
      const src = cachedSource(cache, counting);
      const root = await openDigest(src, made.digest);
      for (const i of await platformImages(root)) for (const l of i.layers) await src.keep(l);
      return shape(root);
    };
    const first = await read();
    expect(asked.length).toBeGreaterThan(0);
    asked.length = 0;
    expect(await read()).toEqual(first);
    expect(asked).toEqual([]);
    expect(first.digest).toBe(made.digest);
  });
});

describe('image names', () => {
  it('tells an oci: path from a registry reference, parsing each once', async () => {
    expect(parseImageName('oci:out/img.tar')).toEqual({ kind: 'layout', path: 'out/img.tar' });
    expect(parseImageName('oci:')).toEqual({ kind: 'layout', path: '' });
    expect(parseImageName('ghcr.io/acme/app:1')).toEqual({
      kind: 'registry',
      ref: { registry: 'ghcr.io', repository: 'acme/app', tag: '1' },
    });
    expect(() => parseImageName('Not A Ref')).toThrow(ReferenceError);
    expect(layoutPath('out/img.tar')).toBeUndefined();
    const missing = join(dir, 'nope');
    const e = await caught(openImage(`oci:${missing}`));
    expect([e.kind, e.message]).toEqual(['io', `${missing} does not exist`]);
    expect((await openImage(`oci:${layout}`)).descriptor.digest).toBe(made.digest);
  });
});
