/**
 * OCI image layouts on disk and as tars, and the bottom-up walk of an image's
 * manifests.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { layoutSource } from '../../../src/image/layout-dir.js';
import { blobsOf, bottomUp, openNode, type Source } from '../../../src/image/source.js';
import {
  blobPath,
  createLayout,
  layoutRoot,
  openLayout,
  packLayout,
  readBlob,
  writeBlob,
  writeIndex,
} from '../../../src/oci/layout.js';
import { MediaType, type Descriptor, type Index } from '../../../src/oci/types.js';
import { caught } from '../../support/caught.js';

const digestOf = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const desc = (mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType,
  digest: digestOf(bytes),
  size: bytes.length,
  ...extra,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-layout-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A one-platform image: config, two layers, manifest. */
function image(tag: string) {
  const config = json({ architecture: 'amd64', os: 'linux', config: { User: tag } });
  const layers = [Buffer.from(`layer one of ${tag}`), Buffer.alloc(70_000, tag)];
  const manifest = json({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: desc('application/vnd.oci.image.config.v1+json', config),
    layers: layers.map((l) => desc('application/vnd.oci.image.layer.v1.tar+gzip', l)),
  });
  return { config, layers, manifest, descriptor: desc(MediaType.ociManifest, manifest) };
}

async function tarEntries(path: string): Promise<string[]> {
  const names: string[] = [];
  const ex = extract();
  ex.on('entry', (h, s, next) => {
    names.push(h.name);
    s.on('end', next);
    s.resume();
  });
  await pipeline(createReadStream(path), ex);
  return names;
}

describe('OCI layout', () => {
  it('round-trips: directory, tar, openLayout, readBlob', async () => {
    const layout = join(dir, 'layout');
    const img = image('a');
    await createLayout(layout);
    expect(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    await writeBlob(layout, digestOf(img.config), img.config);
    // A stream in several chunks, as a layer comes from a download.
    await writeBlob(
      layout,
      digestOf(img.layers[1]!),
      Readable.from([img.layers[1]!.subarray(0, 1000), img.layers[1]!.subarray(1000)]),
    );
    await writeBlob(layout, digestOf(img.layers[0]!), img.layers[0]!);
    await writeBlob(layout, img.descriptor.digest, img.manifest);
    // Writing a blob that is there already is a no-op.
    await writeBlob(layout, img.descriptor.digest, img.manifest);
    const index: Index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [img.descriptor],
    };
    await writeIndex(layout, index);

    const tar = join(dir, 'out', 'image.tar');
    await packLayout(layout, tar);
    expect(readdirSync(dirname(tar))).toEqual(['image.tar']);
    const hexes = [img.config, ...img.layers, img.manifest].map((b) => digestOf(b).slice(7)).sort();
    expect(await tarEntries(tar)).toEqual([
      'oci-layout',
      'index.json',
      ...hexes.map((h) => `blobs/sha256/${h}`),
    ]);

    const opened = await openLayout(tar);
    try {
      expect(opened.dir).not.toBe(layout);
      expect(opened.index).toEqual(index);
      expect(layoutRoot(opened.index)).toEqual({ descriptor: img.descriptor });
      for (const b of [img.config, ...img.layers, img.manifest])
        expect((await readBlob(opened, digestOf(b))).equals(b)).toBe(true);
      const blobs = layoutSource(opened.dir);
      const layer = (b: Buffer) => blobs.layer(desc('application/octet-stream', b));
      expect(statSync(layer(img.layers[1]!).path!).size).toBe(70_000);
      const part: Buffer[] = [];
      for await (const c of layer(img.layers[0]!).open(6, 9)) part.push(c as Buffer);
      expect(Buffer.concat(part).toString()).toBe('one');
    } finally {
      await opened.close();
    }
    expect(existsSync(opened.dir)).toBe(false);

    // The directory opens as it is, and closing it leaves it alone.
    const asDir = await openLayout(layout);
    expect(asDir.dir).toBe(layout);
    await asDir.close();
    expect(existsSync(join(layout, 'index.json'))).toBe(true);
  });

  it('refuses a blob that does not hash to its digest, leaving no file behind', async () => {
    await createLayout(dir);
    const claimed = digestOf('what was promised');
    const e1 = await caught(writeBlob(dir, claimed, Buffer.from('something else')));
    expect(e1.kind).toBe('io');
    expect(e1.message).toBe(`blob ${claimed} hashes to ${digestOf('something else')}`);
    const e2 = await caught(
      writeBlob(dir, claimed, Readable.from([Buffer.from('a'), Buffer.from('b')])),
    );
    expect(e2.message).toBe(`blob ${claimed} hashes to ${digestOf('ab')}`);
    expect(readdirSync(join(dir, 'blobs', 'sha256'))).toEqual([]);
  });

  it('refuses what is not a sha256 digest', async () => {
    expect(() => blobPath(dir, 'sha512:abc')).toThrow(KuboxError);
    expect(() => blobPath(dir, 'sha256:../../etc/passwd')).toThrow('not a sha256 digest');
    expect(() => blobPath(dir, `sha256:${'A'.repeat(64)}`)).toThrow('not a sha256 digest');
    expect(blobPath('/l', `sha256:${'a'.repeat(64)}`)).toBe(`/l/blobs/sha256/${'a'.repeat(64)}`);
  });

  it('reports a missing or corrupted blob on read', async () => {
    await createLayout(dir);
    await writeIndex(dir, { schemaVersion: 2, manifests: [] });
    const layout = await openLayout(dir);
    const d = digestOf('real');
    expect((await caught(readBlob(layout, d))).message).toBe(`the layout lacks blob ${d}`);
    writeFileSync(blobPath(dir, d), 'tampered');
    expect((await caught(readBlob(layout, d))).message).toBe(
      `blob ${d} in the layout hashes to ${digestOf('tampered')}`,
    );
  });

  it('takes the single entry as the root, or index.json itself for several', () => {
    const a = image('a').descriptor;
    const b = image('b').descriptor;
    expect(layoutRoot({ schemaVersion: 2, manifests: [a] })).toEqual({ descriptor: a });
    const root = layoutRoot({ schemaVersion: 2, manifests: [a, b] });
    expect(JSON.parse(root.bytes!.toString())).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [a, b],
    });
    expect(root.descriptor).toEqual({
      mediaType: MediaType.ociIndex,
      digest: digestOf(root.bytes!),
      size: root.bytes!.length,
    });
  });

  it('says clearly when a path is not a layout', async () => {
    const missing = join(dir, 'nope');
    const e1 = await caught(openLayout(missing));
    expect([e1.kind, e1.message]).toEqual(['io', `${missing} does not exist`]);
    expect(e1.hint).toMatch(/oci:PATH/);
    const e2 = await caught(openLayout(dir));
    expect(e2.message).toBe(`${dir} is not an OCI image layout (no index.json)`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, I am not a tar\n'.repeat(100));
    const e3 = await caught(openLayout(text));
    expect(e3.kind).toBe('io');
    expect(e3.message).toContain(text);
  });

  it('extracts only the layout’s own files from a tar, never a path that climbs out', async () => {
    const tag = randomUUID();
    const index = json({ schemaVersion: 2, manifests: [] });
    const blob = Buffer.from('blob');
    const tar = join(dir, 'evil.tar');
    const p = pack();
    const written = pipeline(p, createWriteStream(tar));
    p.entry({ name: './oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
    p.entry({ name: './index.json' }, index);
    p.entry({ name: `blobs/sha256/${digestOf(blob).slice(7)}` }, blob);
    p.entry({ name: `../escape-${tag}` }, 'x');
    p.entry({ name: `blobs/../../escape2-${tag}` }, 'x');
    p.entry({ name: `blobs/sha256/../../../escape3-${tag}` }, 'x');
    p.entry({ name: `/tmp/escape4-${tag}` }, 'x');
    p.entry({ name: 'etc/passwd' }, 'x');
    p.entry({ name: 'blobs/sha256/link', type: 'symlink', linkname: '/etc/passwd' });
    p.entry({ name: 'blobs/sha256/hard', type: 'link', linkname: 'index.json' });
    p.finalize();
    await written;

    const layout = await openLayout(tar);
    try {
      expect(readdirSync(layout.dir).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
      expect(readdirSync(join(layout.dir, 'blobs', 'sha256'))).toEqual([digestOf(blob).slice(7)]);
      expect((await readBlob(layout, digestOf(blob))).toString()).toBe('blob');
      const parent = dirname(layout.dir);
      for (const name of [`escape-${tag}`, `escape2-${tag}`, `escape3-${tag}`, `escape4-${tag}`]) {
        expect(existsSync(join(parent, name))).toBe(false);
        expect(existsSync(join(dirname(parent), name))).toBe(false);
        expect(existsSync(join(tmpdir(), name))).toBe(false);
      }
    } finally {
      await layout.close();
    }
  });
});

describe('bottomUp (the order a push uploads in)', () => {
  const a = image('a');
  const b = image('b');
  const attestation = image('att');
  const child = json({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [b.descriptor, a.descriptor],
  });
  const childDesc = desc(MediaType.ociIndex, child);
  const root = json({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      { ...a.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
      childDesc,
      { ...a.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
      attestation.descriptor,
    ],
  });
  const rootDesc = desc(MediaType.ociIndex, root);
  const store = new Map<string, Buffer>(
    [a.manifest, b.manifest, attestation.manifest, child, root].map((x) => [digestOf(x), x]),
  );
  const configs = new Map([a, b, attestation].map((x) => [digestOf(x.config), x.config]));

  /** A source over the maps above that records which manifests were asked for. */
  function fetcher() {
    const asked: string[] = [];
    const get = (m: Map<string, Buffer>, d: Descriptor) => {
      const bytes = m.get(d.digest);
      if (!bytes) throw new Error(`no ${d.digest}`);
      return bytes;
    };
    const source: Source = {
      manifest: async (d) => {
        asked.push(d.digest);
        return get(store, d);
      },
      smallBlob: async (d) => get(configs, d),
      layer: (d) => ({ ...d, open: () => Readable.from([]) }),
    };
    return { asked, source };
  }

  it('lists children before their index, each once', async () => {
    const { asked, source } = fetcher();
    const nodes = await bottomUp(await openNode(source, rootDesc));
    expect(nodes.map((n) => n.descriptor.digest)).toEqual([
      a.descriptor.digest,
      b.descriptor.digest,
      childDesc.digest,
      attestation.descriptor.digest,
      rootDesc.digest,
    ]);
    // Each node is fetched once, on the way down.
    expect(asked).toEqual([
      rootDesc.digest,
      a.descriptor.digest,
      childDesc.digest,
      b.descriptor.digest,
      attestation.descriptor.digest,
    ]);
    expect(nodes[0]!.descriptor.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(nodes[0]!.bytes.equals(a.manifest)).toBe(true);
    expect(blobsOf([nodes[0]!]).map((d) => d.digest)).toEqual(
      [a.config, ...a.layers].map((x) => digestOf(x)),
    );
    expect(blobsOf([nodes[2]!])).toEqual([]);
    expect(blobsOf([nodes[4]!])).toEqual([]);
  });

  it('walks a single manifest as one node', async () => {
    const { source } = fetcher();
    const nodes = await bottomUp(await openNode(source, b.descriptor));
    expect(nodes).toHaveLength(1);
    expect(blobsOf(nodes)).toHaveLength(3);
  });

  it('takes an index by its content when the descriptor’s media type says nothing', async () => {
    const { source } = fetcher();
    const nodes = await bottomUp(await openNode(source, { ...childDesc, mediaType: '' }));
    expect(nodes.map((n) => n.descriptor.digest)).toEqual([
      b.descriptor.digest,
      a.descriptor.digest,
      childDesc.digest,
    ]);
  });

  it('uses root bytes at hand without fetching them', async () => {
    const synthesized = layoutRoot({ schemaVersion: 2, manifests: [a.descriptor, b.descriptor] });
    const { asked, source } = fetcher();
    const nodes = await bottomUp(await openNode(source, synthesized.descriptor, synthesized.bytes));
    expect(nodes.map((n) => n.descriptor.digest)).toEqual([
      a.descriptor.digest,
      b.descriptor.digest,
      synthesized.descriptor.digest,
    ]);
    expect(asked).toEqual([a.descriptor.digest, b.descriptor.digest]);
    expect(nodes[2]!.bytes.equals(synthesized.bytes!)).toBe(true);
  });
});
