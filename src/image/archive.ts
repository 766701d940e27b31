/**
 * An OCI layout archive (the tar `kubox build --output oci:` and
 * `buildx --output type=oci` write) as a source of images, read in place:
 * manifests and configs are read from their byte range, layers streamed from
 * theirs, and nothing is extracted.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { KuboxError } from '../errors.js';
import { layoutRoot, parseIndexJson } from '../oci/layout.js';
import type { Descriptor } from '../oci/types.js';
import type { ImageNode } from './model.js';
import { openNode, type Source } from './source.js';
import { storedLayer } from './stored-blob.js';
import { indexTar, type TarFile } from './tar-index.js';

/** Manifests, indexes and configs are small; a larger "manifest" is not read into memory. */
const MAX_JSON_BLOB = 4 * 1024 * 1024;

async function readRange(path: string, f: TarFile): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(f.size);
    await fh.read(b, 0, f.size, f.offset);
    return b;
  } finally {
    await fh.close();
  }
}

export async function openArchive(path: string): Promise<ImageNode> {
  let files: Map<string, TarFile>;
  try {
    files = await indexTar(path);
  } catch (e) {
    throw new KuboxError('io', `cannot read the OCI archive ${path}: ${(e as Error).message}`);
  }
  const indexJson = files.get('index.json');
  if (!indexJson)
    throw new KuboxError('io', `${path} is not an OCI image layout archive (no index.json)`);
  const entry = (d: Descriptor) => files.get(`blobs/${d.digest.replace(':', '/')}`);
  const small = async (d: Descriptor): Promise<Buffer> => {
    const f = entry(d);
    if (!f || f.size > MAX_JSON_BLOB) throw new KuboxError('io', `${path} lacks blob ${d.digest}`);
    const blob = await readRange(path, f);
    // Never trust a blob's name: its content must hash to the digest that points at it.
    const actual = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    if (actual !== d.digest)
      throw new KuboxError('io', `${path}: blob ${d.digest} has digest ${actual}`);
    return blob;
  };
  const source: Source = {
    manifest: small,
    smallBlob: small,
    layer: (d) =>
      storedLayer(d, () => {
        const f = entry(d);
        if (!f) throw new KuboxError('io', `${path} lacks blob ${d.digest}`);
        return { file: path, ...f };
      }),
  };
  const root = layoutRoot(
    parseIndexJson((await readRange(path, indexJson)).toString('utf8'), path),
  );
  return openNode(source, root.descriptor, root.bytes);
}
