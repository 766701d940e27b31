/**
 * A repository of a registry as a source of images, over kubox's
 * RegistryClient (which checks every manifest and blob against its digest).
 * The client is connected on first use: a source whose reads all hit kubox's
 * cache never contacts the registry.
 */
import { PassThrough, type Readable } from 'node:stream';
import { KuboxError } from '../errors.js';
import type { ImageReference } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import { checkConfigDocument, MAX_CONFIG_BYTES } from '../oci/validate.js';
import { RegistryClient, type ClientOptions } from '../registry/client.js';
import type { ImageNode, Layer } from './model.js';
import { openNode, type Source } from './source.js';

/** A stream now for one that comes later: Layer.open is synchronous, a registry GET is not. */
function later(stream: Promise<Readable>): Readable {
  const out = new PassThrough();
  // The GET may fail (or the blob prove corrupt) before the reader attaches its listeners,
  // which would make the 'error' event an uncaught exception. The reader still gets the
  // error: a stream destroyed with one is errored, and pipeline() and for-await see it.
  out.on('error', () => {});
  stream.then(
    (s) => {
      s.on('error', (e) => out.destroy(e));
      s.pipe(out);
    },
    (e: unknown) => out.destroy(e as Error),
  );
  return out;
}

async function whole(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function registrySource(connect: () => Promise<RegistryClient>, repository: string): Source {
  return {
    manifest: async (d) =>
      (await (await connect()).getManifest(repository, d.digest, d.size)).bytes,
    smallBlob: async (d) => {
      const c = await connect();
      const bytes = await whole(
        await c.getBlob(repository, d.digest, { size: d.size, maxBytes: MAX_CONFIG_BYTES }),
      );
      checkConfigDocument(bytes, `the image config ${c.registry}/${repository}@${d.digest}`);
      return bytes;
    },
    layer: (d: Descriptor): Layer => ({
      digest: d.digest,
      size: d.size,
      mediaType: d.mediaType,
      open(start = 0, end = d.size) {
        // Only a whole blob can be checked against its digest: kubox reads no part of one.
        if (start !== 0 || end !== d.size)
          throw new KuboxError('io', `a part of blob ${d.digest} was asked of a registry`);
        return later(connect().then((c) => c.getBlob(repository, d.digest, { size: d.size })));
      },
    }),
  };
}

/** Connects once, when first asked. */
export function lazyClient(registry: string, opts: ClientOptions): () => Promise<RegistryClient> {
  let client: Promise<RegistryClient> | undefined;
  return () => (client ??= RegistryClient.connect(registry, opts));
}

/** The image `ref` names (by digest, else by tag, else `latest`). */
export async function openRemote(
  ref: ImageReference,
  opts: ClientOptions = {},
): Promise<ImageNode> {
  const connect = lazyClient(ref.registry, opts);
  const root = await (
    await connect()
  ).getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  return openNode(registrySource(connect, ref.repository), root.descriptor, root.bytes);
}
