/** `kubox inspect`: what an image is made of, from a registry or an OCI layout. */
import { openImage } from '../image/open.js';
import { summarize, type ImageSummary } from '../image/summary.js';
import type { ClientOptions } from './client.js';

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

export async function inspect(image: string, opts: ClientOptions = {}): Promise<InspectReport> {
  return report(image, await summarize(await openImage(image, opts)));
}
