/**
 * Reading an OCI image layout archive (the tar `buildx --output type=oci`
 * writes): index.json, then the manifests and configs it points to. Layers
 * are skipped; only small JSON blobs are kept in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { KuboxError } from '../errors.js';
import { layoutRoot, parseIndexJson } from './layout.js';
import { formatPlatform } from './platform.js';
import {
  isAttestation,
  isIndex,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
} from './types.js';

const MAX_JSON_BLOB = 4 * 1024 * 1024;

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

async function readSmallFiles(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (
      (header.size ?? 0) <= MAX_JSON_BLOB &&
      (name === 'index.json' || name.startsWith('blobs/'))
    ) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        files.set(name, Buffer.concat(chunks));
        next();
      });
    } else {
      stream.on('end', next);
      stream.resume();
    }
  });
  await pipeline(createReadStream(path), ex);
  return files;
}

/** Resolves an image (index or manifest) to its per-platform manifests and configs. */
export async function resolveImage(
  root: Descriptor,
  fetchJson: (d: Descriptor) => Promise<unknown>,
): Promise<ImageSummary> {
  const images: PlatformImage[] = [];
  const visit = async (d: Descriptor): Promise<void> => {
    const doc = (await fetchJson(d)) as Index | Manifest;
    if (isIndex(d.mediaType) || 'manifests' in doc) {
      for (const child of (doc as Index).manifests) if (!isAttestation(child)) await visit(child);
      return;
    }
    const manifest = doc as Manifest;
    const config = (await fetchJson(manifest.config)) as ImageConfig;
    images.push({
      platform: formatPlatform({
        os: 'linux',
        architecture: config.architecture,
        ...(config.variant ? { variant: config.variant } : {}),
      }),
      digest: d.digest,
      manifest,
      config,
    });
  };
  await visit(root);
  return { digest: root.digest, images };
}

export async function readArchive(path: string): Promise<ImageSummary> {
  let files: Map<string, Buffer>;
  try {
    files = await readSmallFiles(path);
  } catch (e) {
    throw new KuboxError('io', `cannot read the OCI archive ${path}: ${(e as Error).message}`);
  }
  const indexJson = files.get('index.json');
  if (!indexJson)
    throw new KuboxError('io', `${path} is not an OCI image layout archive (no index.json)`);
  const fetchJson = async (d: Descriptor): Promise<unknown> => {
    const [alg, hex] = d.digest.split(':');
    const blob = files.get(`blobs/${alg}/${hex}`);
    if (!blob) throw new KuboxError('io', `${path} lacks blob ${d.digest}`);
    // Never trust a blob's name: its content must hash to the digest that points at it.
    const actual = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    if (actual !== d.digest)
      throw new KuboxError('io', `${path}: blob ${d.digest} has digest ${actual}`);
    return JSON.parse(blob.toString('utf8'));
  };
  const root = layoutRoot(parseIndexJson(indexJson.toString('utf8'), path));
  return resolveImage(root.descriptor, async (d) =>
    root.bytes && d.digest === root.descriptor.digest
      ? JSON.parse(root.bytes.toString('utf8'))
      : fetchJson(d),
  );
}
