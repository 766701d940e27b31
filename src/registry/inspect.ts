/** `kubox inspect`: what an image is made of, from a registry or an OCI layout. */
import { statSync } from 'node:fs';
import { readArchive, resolveImage, type ImageSummary } from '../oci/archive.js';
import { layoutRoot, openLayout, readBlob } from '../oci/layout.js';
import type { ClientOptions } from './client.js';
import { inspectRemote } from './remote.js';

export interface PlatformReport {
  platform: string;
  digest: string;
  layers: { digest: string; size: number; mediaType: string }[];
  size: number;
  user: string;
  workdir: string;
  cmd: string[];
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
}

export interface InspectReport {
  image: string;
  digest: string;
  platforms: PlatformReport[];
}

export function report(image: string, summary: ImageSummary): InspectReport {
  return {
    image,
    digest: summary.digest,
    platforms: summary.images.map((i) => {
      const c = i.config.config ?? {};
      const layers = i.manifest.layers.map((l) => ({
        digest: l.digest,
        size: l.size,
        mediaType: l.mediaType,
      }));
      return {
        platform: i.platform,
        digest: i.digest,
        layers,
        size: layers.reduce((n, l) => n + l.size, 0),
        user: c.User ?? '',
        workdir: c.WorkingDir ?? '',
        cmd: c.Cmd ?? [],
        entrypoint: c.Entrypoint ?? [],
        env: c.Env ?? [],
        labels: c.Labels ?? {},
      };
    }),
  };
}

async function inspectLocal(path: string): Promise<ImageSummary> {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return readArchive(path);
  const layout = await openLayout(path);
  try {
    const root = layoutRoot(layout.index);
    return resolveImage(root.descriptor, async (d) =>
      JSON.parse(
        (root.bytes && d.digest === root.descriptor.digest
          ? root.bytes
          : await readBlob(layout, d.digest)
        ).toString('utf8'),
      ),
    );
  } finally {
    await layout.close();
  }
}

export async function inspect(image: string, opts: ClientOptions = {}): Promise<InspectReport> {
  const summary = image.startsWith('oci:')
    ? await inspectLocal(image.slice(4))
    : await inspectRemote(image, opts);
  return report(image, summary);
}
