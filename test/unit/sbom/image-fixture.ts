/**
 * Small OCI layouts with chosen files per layer (whiteouts included), for the
 * SBOM tests: a stand-in for a Debian image with a dpkg database, copyright
 * files and Python metadata, written as real gzip layers.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { createLayout, writeBlob, writeIndex } from '../../../src/oci/layout.js';
import { MediaType, type Descriptor } from '../../../src/oci/types.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A file's contents, or a symlink's target. */
export type Entry = string | { symlink: string };
export type LayerFiles = Record<string, Entry>;

async function layerTar(files: LayerFiles): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, entry] of Object.entries(files)) {
    if (typeof entry === 'string') {
      const data = Buffer.from(entry);
      p.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data);
    } else {
      p.entry({ name, type: 'symlink', linkname: entry.symlink, mode: 0o777, mtime: new Date(0) });
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface FixturePlatform {
  platform: string;
  layers: LayerFiles[];
  labels?: Record<string, string>;
  created?: string;
}

/** Writes an index over the platforms into a new layout at `dir`; returns each manifest's digest. */
export async function writeFixture(
  dir: string,
  platforms: FixturePlatform[],
): Promise<{ index: string; manifests: string[] }> {
  await createLayout(dir);
  const manifests: Descriptor[] = [];
  for (const p of platforms) {
    const [os, architecture] = p.platform.split('/') as [string, string];
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    for (const files of p.layers) {
      const tar = await layerTar(files);
      const gz = gzipSync(tar, { level: 1 });
      diffIds.push(digestOf(tar));
      await writeBlob(dir, digestOf(gz), gz);
      layers.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digestOf(gz),
        size: gz.length,
      });
    }
    const config = Buffer.from(
      JSON.stringify({
        architecture,
        os,
        ...(p.created ? { created: p.created } : {}),
        config: { Labels: p.labels ?? {} },
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
    await writeBlob(dir, digestOf(manifest), manifest);
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest: digestOf(manifest),
      size: manifest.length,
      platform: { os, architecture },
    });
  }
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }),
  );
  await writeBlob(dir, digestOf(index), index);
  await writeIndex(dir, {
    schemaVersion: 2,
    manifests: [{ mediaType: MediaType.ociIndex, digest: digestOf(index), size: index.length }],
  });
  return { index: digestOf(index), manifests: manifests.map((m) => m.digest) };
}
