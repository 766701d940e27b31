/**
 * kubox's one image model, after go-containerregistry's v1.Layer, v1.Image
 * and v1.ImageIndex: what every command reads an image as, whatever it came
 * from (a registry, a layout directory, an archive, kubox's cache). The
 * JSON documents are read when an image is opened (they are small, and every
 * reader needs them); layer bytes only when a layer is opened.
 */
import type { Readable } from 'node:stream';
import { formatPlatform } from '../oci/platform.js';
import type { Descriptor, FullImageConfig, Index, Manifest } from '../oci/types.js';

/** A blob of an image (a layer, or the config) whose bytes are read on demand. */
export interface Layer {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /**
   * Its bytes, or the bytes [start, end) for a resumed or chunked upload. A
   * whole blob from a registry fails at its end when it does not hash to its
   * digest; blobs on disk were checked when they were written.
   */
  open(start?: number, end?: number): Readable;
  /** A file that holds exactly these bytes, when the source keeps one: copies link it. */
  readonly path?: string;
}

/** One platform's image: its manifest, as stored, and what it names. */
export interface Image {
  readonly kind: 'image';
  /** The manifest's descriptor, as its parent index lists it (platform included), or as fetched. */
  readonly descriptor: Descriptor;
  /** The manifest's bytes: its digest, and what a push must send. */
  readonly bytes: Buffer;
  readonly manifest: Manifest;
  readonly config: FullImageConfig;
  /** The config as a blob, for copies and pushes. */
  readonly configBlob: Layer;
  /** Bottom first. */
  readonly layers: readonly Layer[];
}

/** An index (or Docker manifest list) over platform images, attestations and nested indexes. */
export interface ImageIndex {
  readonly kind: 'index';
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly manifest: Index;
  /** Opens one of `manifest.manifests`, read from the same source. */
  child(d: Descriptor): Promise<ImageNode>;
}

export type ImageNode = Image | ImageIndex;

/** The platform an image says it is for, from its config (os/architecture[/variant]). */
export function platformOf(image: Image): string {
  const c = image.config;
  return formatPlatform({
    os: 'linux',
    architecture: c.architecture,
    ...(c.variant ? { variant: c.variant } : {}),
  });
}
