/**
 * Evidence attached to an image in its registry, as OCI 1.1 referrers: an
 * artifact manifest (an SBOM, a provenance statement, a scan report) whose
 * `subject` is the image. Registries with the referrers API index it
 * themselves; for the others (distribution 2.8 among them), kubox keeps the
 * fallback the distribution spec defines: an image index at the tag
 * `sha256-<hex of the subject>` listing every referrer.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MediaType, type Descriptor, type Index } from '../oci/types.js';
import type { RegistryClient } from './client.js';

/** OCI's empty config for artifacts: the two bytes `{}`. */
const EMPTY = Buffer.from('{}');
export const EMPTY_CONFIG: Descriptor = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: `sha256:${createHash('sha256').update(EMPTY).digest('hex')}`,
  size: EMPTY.length,
};

export interface Artifact {
  /** What it is (the manifest's artifactType), e.g. application/spdx+json. */
  artifactType: string;
  /** Its one blob, with its media type. */
  mediaType: string;
  bytes: Buffer;
  annotations?: Record<string, string>;
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The artifact manifest for `artifact` about `subject`, as bytes and descriptor. Pure. */
export function artifactManifest(
  subject: Descriptor,
  artifact: Artifact,
): { bytes: Buffer; descriptor: Descriptor & { artifactType: string } } {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: artifact.artifactType,
    config: EMPTY_CONFIG,
    layers: [
      {
        mediaType: artifact.mediaType,
        digest: digestOf(artifact.bytes),
        size: artifact.bytes.length,
      },
    ],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(artifact.annotations ? { annotations: artifact.annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return {
    bytes,
    descriptor: {
      mediaType: MediaType.ociManifest,
      digest: digestOf(bytes),
      size: bytes.length,
      artifactType: artifact.artifactType,
      ...(artifact.annotations ? { annotations: artifact.annotations } : {}),
    },
  };
}

/** The fallback tag for `digest`'s referrers: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

async function uploadIfMissing(client: RegistryClient, repo: string, bytes: Buffer) {
  const blob = { digest: digestOf(bytes), size: bytes.length };
  if (await client.blobExists(repo, blob.digest)) return;
  await client.uploadBlob(repo, blob, (start, end) => Readable.from([bytes.subarray(start, end)]));
}

/** The fallback index at `sha256-<hex>`, or an empty one. */
async function fallbackIndex(client: RegistryClient, repo: string, digest: string): Promise<Index> {
  const tag = referrersTag(digest);
  if (!(await client.headManifest(repo, tag)))
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  const { document } = await client.getManifest(repo, tag);
  if (!('manifests' in document))
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  return { ...document, mediaType: MediaType.ociIndex };
}

/**
 * Pushes `artifact` with `subject` as its subject, and lists it in the
 * fallback index when the registry has no referrers API. Returns the
 * artifact manifest's descriptor.
 */
export async function attachArtifact(
  client: RegistryClient,
  repo: string,
  subject: Descriptor,
  artifact: Artifact,
): Promise<Descriptor> {
  const { bytes, descriptor } = artifactManifest(subject, artifact);
  await uploadIfMissing(client, repo, EMPTY);
  await uploadIfMissing(client, repo, artifact.bytes);
  await client.putManifest(repo, descriptor.digest, bytes, MediaType.ociManifest);
  if ((await client.referrers(repo, subject.digest)) === undefined) {
    const index = await fallbackIndex(client, repo, subject.digest);
    if (!index.manifests.some((m) => m.digest === descriptor.digest)) {
      index.manifests.push(descriptor);
      await client.putManifest(
        repo,
        referrersTag(subject.digest),
        Buffer.from(JSON.stringify(index)),
        MediaType.ociIndex,
      );
    }
  }
  return descriptor;
}

/** Every referrer of `digest`: from the referrers API, else from the fallback tag. */
export async function listReferrers(
  client: RegistryClient,
  repo: string,
  digest: string,
): Promise<(Descriptor & { artifactType?: string })[]> {
  const fromApi = await client.referrers(repo, digest);
  if (fromApi) return fromApi;
  return (await fallbackIndex(client, repo, digest)).manifests;
}
