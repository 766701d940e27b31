/**
 * The nodes of an image, children before parents: what a push must upload
 * first (blobs, then manifests, then the index). Pure over a fetch function.
 */
import { isIndex, type Descriptor, type Index, type Manifest } from './types.js';

export interface ManifestNode {
  descriptor: Descriptor;
  bytes: Buffer;
  /** Config and layers (empty for an index). */
  blobs: Descriptor[];
}

export async function manifestsBottomUp(
  root: Descriptor,
  fetch: (d: Descriptor) => Promise<Buffer>,
): Promise<ManifestNode[]> {
  const out: ManifestNode[] = [];
  const seen = new Set<string>();
  const visit = async (d: Descriptor, bytes?: Buffer): Promise<void> => {
    if (seen.has(d.digest)) return;
    seen.add(d.digest);
    const raw = bytes ?? (await fetch(d));
    const doc = JSON.parse(raw.toString('utf8')) as Index | Manifest;
    if (isIndex(d.mediaType ?? doc.mediaType) || 'manifests' in doc) {
      for (const child of (doc as Index).manifests) await visit(child);
      out.push({ descriptor: d, bytes: raw, blobs: [] });
      return;
    }
    const m = doc as Manifest;
    out.push({ descriptor: d, bytes: raw, blobs: [m.config, ...m.layers] });
  };
  await visit(root);
  return out;
}

/** Visits with the root's bytes already at hand (an index synthesized from index.json). */
export function manifestsFrom(
  root: { descriptor: Descriptor; bytes?: Buffer },
  fetch: (d: Descriptor) => Promise<Buffer>,
): Promise<ManifestNode[]> {
  if (!root.bytes) return manifestsBottomUp(root.descriptor, fetch);
  const bytes = root.bytes;
  return manifestsBottomUp(root.descriptor, (d) =>
    d.digest === root.descriptor.digest ? Promise.resolve(bytes) : fetch(d),
  );
}
