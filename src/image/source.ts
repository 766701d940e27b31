/**
 * What a source of images provides, and the one reader that makes the model
 * out of it. A registry, a layout directory, an archive and kubox's cache
 * each say only how to get a manifest's bytes and a blob's; the walk from
 * index to manifest to config to layers is written once, here.
 */
import {
  isAttestation,
  isIndex,
  MediaType,
  type Descriptor,
  type Index,
  type Manifest,
} from '../oci/types.js';
import type { Image, ImageIndex, ImageNode, Layer } from './model.js';

export interface Source {
  /** A manifest or index, its bytes checked against its digest. */
  manifest(d: Descriptor): Promise<Buffer>;
  /** A small blob (a config), whole and checked. */
  smallBlob(d: Descriptor): Promise<Buffer>;
  /** A blob whose bytes are read when it is opened. */
  layer(d: Descriptor): Layer;
}

/**
 * The image or index `descriptor` names (its bytes given when they are at
 * hand: a root fetched by tag, an index made from index.json). An index is
 * told by its media type or, when the descriptor has none, by its content.
 */
export async function openNode(
  source: Source,
  descriptor: Descriptor,
  bytes?: Buffer,
): Promise<ImageNode> {
  const raw = bytes ?? (await source.manifest(descriptor));
  const doc = JSON.parse(raw.toString('utf8')) as Index | Manifest;
  if (isIndex(descriptor.mediaType || doc.mediaType) || 'manifests' in doc) {
    const index: ImageIndex = {
      kind: 'index',
      descriptor,
      bytes: raw,
      manifest: doc as Index,
      child: (d) => openNode(source, d),
    };
    return index;
  }
  return readImage(source, descriptor, raw, doc as Manifest);
}

/** An image whose manifest is at hand: its config is read, its layers are not. */
export async function readImage(
  source: Source,
  descriptor: Descriptor,
  bytes: Buffer,
  manifest: Manifest = JSON.parse(bytes.toString('utf8')) as Manifest,
): Promise<Image> {
  return {
    kind: 'image',
    descriptor,
    bytes,
    manifest,
    config: JSON.parse((await source.smallBlob(manifest.config)).toString('utf8')),
    configBlob: source.layer(manifest.config),
    layers: manifest.layers.map((l) => source.layer(l)),
  };
}

/** The image or index a bare digest names (a pinned base): its descriptor is made from its bytes. */
export async function openDigest(source: Source, digest: string): Promise<ImageNode> {
  const bytes = await source.manifest({ mediaType: '', digest, size: 0 });
  const doc = JSON.parse(bytes.toString('utf8')) as Partial<Index> & { mediaType?: string };
  const mediaType = doc.mediaType ?? (doc.manifests ? MediaType.ociIndex : MediaType.ociManifest);
  return openNode(source, { mediaType, digest, size: bytes.length }, bytes);
}

/** Every node under `root`, children before their index and each once: the order a push needs. */
export async function bottomUp(root: ImageNode): Promise<ImageNode[]> {
  const out: ImageNode[] = [];
  const seen = new Set<string>();
  const visit = async (node: ImageNode): Promise<void> => {
    if (node.kind === 'index')
      for (const d of node.manifest.manifests) {
        if (seen.has(d.digest)) continue;
        seen.add(d.digest);
        await visit(await node.child(d));
      }
    out.push(node);
  };
  seen.add(root.descriptor.digest);
  await visit(root);
  return out;
}

/** The images a container can run, nested indexes followed and attestations left out. */
export async function platformImages(root: ImageNode): Promise<Image[]> {
  if (root.kind === 'image') return [root];
  const out: Image[] = [];
  for (const d of root.manifest.manifests)
    if (!isAttestation(d)) out.push(...(await platformImages(await root.child(d))));
  return out;
}

/** The distinct blobs (configs, then layers) of these nodes' images, in order. */
export function blobsOf(nodes: readonly ImageNode[]): Layer[] {
  const blobs = nodes.flatMap((n) => (n.kind === 'image' ? [n.configBlob, ...n.layers] : []));
  return [...new Map(blobs.map((b) => [b.digest, b])).values()];
}
