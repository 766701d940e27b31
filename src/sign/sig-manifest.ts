/**
 * Where cosign keeps an image's signatures, and how: an OCI image manifest
 * tagged `sha256-<hex>.sig` in the image's own repository, one layer per
 * signature (the payload, with the base64 DER signature as an annotation).
 * Pure: documents in, documents out.
 */
import { createHash } from 'node:crypto';
import { KuboxError } from '../errors.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../oci/types.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
/** Go's zero time, which cosign writes for its signature images' dates. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export const sha256Of = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The tag cosign's tag scheme gives the signatures of the manifest `digest`. */
export function sigTag(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `${alg}-${hex}.sig`;
}

export function signatureLayer(payload: Uint8Array, signatureB64: string): Descriptor {
  return {
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    size: payload.length,
    digest: sha256Of(payload),
    annotations: { [SIGNATURE_ANNOTATION]: signatureB64 },
  };
}

/**
 * The signature manifest's layers as they are: throws rather than letting a
 * signer replace a tag that holds something else than cosign signatures.
 */
export function existingLayers(doc: Index | Manifest | undefined, where: string): Descriptor[] {
  if (!doc) return [];
  const manifestTypes: (string | undefined)[] = [
    undefined,
    MediaType.ociManifest,
    MediaType.dockerManifest,
  ];
  if (!('layers' in doc) || !manifestTypes.includes(doc.mediaType))
    throw new KuboxError(
      'registry',
      `${where} holds ${doc.mediaType ?? 'a document'} that is not a cosign signature manifest; kubox will not replace it`,
      { hint: 'delete or move that tag if it is not needed, then sign again' },
    );
  return doc.layers;
}

/** The config and manifest of the signature image with `layers` (uncompressed: diff_id = digest). */
export function signatureImage(
  layers: readonly Descriptor[],
  annotations?: Record<string, string>,
): { config: Buffer; configDigest: string; manifest: Buffer } {
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: ZERO_TIME,
      history: layers.map(() => ({ created: ZERO_TIME })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const configDigest = sha256Of(config);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: CONFIG_MEDIA_TYPE, size: config.length, digest: configDigest },
    layers: [...layers],
    ...(annotations ? { annotations } : {}),
  };
  return { config, configDigest, manifest: Buffer.from(JSON.stringify(manifest)) };
}
