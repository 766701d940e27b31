/**
 * ImageSummary: a view computed from the model for what prints or returns
 * an image's platforms (inspect, verify, a build's result, the library's
 * readArchive). It stays a plain object because it is JSON output and public.
 */
import type { ImageConfig, Manifest } from '../oci/types.js';
import { openArchive } from './archive.js';
import { platformOf, type ImageNode } from './model.js';
import { platformImages } from './source.js';

export interface PlatformImage {
  platform: string;
  digest: string;
  manifest: Manifest;
  config: ImageConfig;
}

export interface ImageSummary {
  /** Digest of the top-level index (or of the single manifest). */
  digest: string;
  images: PlatformImage[];
}

export async function summarize(root: ImageNode): Promise<ImageSummary> {
  return {
    digest: root.descriptor.digest,
    images: (await platformImages(root)).map((i) => ({
      platform: platformOf(i),
      digest: i.descriptor.digest,
      manifest: i.manifest,
      config: i.config,
    })),
  };
}

/** The platforms of an OCI layout archive (the library's entry point; commands use openImage). */
export async function readArchive(path: string): Promise<ImageSummary> {
  return summarize(await openArchive(path));
}
