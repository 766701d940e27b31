/**
 * Makes a real multi-layer, multi-platform OCI image layout for tests and
 * benchmarks: each layer is a gzip-compressed tar of pseudo-random files
 * (seeded, so the same arguments give the same digests), with configs whose
 * diff_ids match the uncompressed tars.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { createLayout, writeBlob, writeIndex } from '../../src/oci/layout.js';
import { MediaType, type Descriptor } from '../../src/oci/types.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

async function layerTar(files: { name: string; data: Buffer }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const f of files)
    p.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface MadeImage {
  digest: string;
  platforms: { platform: string; digest: string }[];
}

/**
 * Writes the image into a new layout at `dir`. `layerSizes` are the bytes of
 * random content per layer (random data barely compresses, so sizes hold).
 */
export async function makeImage(
  dir: string,
  opts: {
    platforms: string[];
    layerSizes: number[];
    seed: number;
    labels?: Record<string, string>;
  },
): Promise<MadeImage> {
  await createLayout(dir);
  const rand = prng(opts.seed);
  const manifests: Descriptor[] = [];
  const platforms: MadeImage['platforms'] = [];
  for (const platform of opts.platforms) {
    const [os, architecture] = platform.split('/') as [string, string];
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    for (const [i, size] of opts.layerSizes.entries()) {
      const data = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4) data.writeUInt32LE(Math.floor(rand() * 2 ** 32), j);
      const tar = await layerTar([{ name: `layer${i}/${platform.replace('/', '-')}.bin`, data }]);
      const gz = gzipSync(tar, { level: 1 });
      diffIds.push(digestOf(tar));
      const d = digestOf(gz);
      await writeBlob(dir, d, gz);
      layers.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: d,
        size: gz.length,
      });
    }
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os,
        config: { User: '1000:1000', Cmd: ['bash'], Labels: opts.labels ?? {} },
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    await writeBlob(dir, digestOf(config), config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: digestOf(config),
          size: config.length,
        },
        layers,
      }),
    );
    const md = digestOf(manifest);
    await writeBlob(dir, md, manifest);
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest: md,
      size: manifest.length,
      platform: { os, architecture },
    });
    platforms.push({ platform, digest: md });
  }
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }),
  );
  const digest = digestOf(index);
  await writeBlob(dir, digest, index);
  await writeIndex(dir, {
    schemaVersion: 2,
    manifests: [{ mediaType: MediaType.ociIndex, digest, size: index.length }],
  });
  return { digest, platforms };
}
