/**
 * What gets signed and checked for one image: the manifest the reference
 * names and, for an index, every manifest under it (as `cosign sign
 * --recursive`), because skopeo checks the signature of each platform manifest
 * it copies (the index is signed too, for verifiers that check a tag: cosign).
 */
import { KuboxError } from '../errors.js';
import { parseReference, type ImageReference } from '../oci/reference.js';
import { isIndex, type Descriptor } from '../oci/types.js';
import type { RegistryClient } from '../registry/client.js';

export interface SignTarget {
  digest: string;
  /** `os/arch[/variant]` of a platform manifest; absent for the top-level manifest or index. */
  platform?: string;
  kind: 'index' | 'manifest';
}

export function parseImageReference(input: string): ImageReference {
  try {
    return parseReference(input);
  } catch (e) {
    throw new KuboxError(
      'usage',
      `"${input}" is not a valid image reference: ${(e as Error).message}`,
      {
        hint: 'name an image in a registry: registry/repository:tag or registry/repository@sha256:... (an oci:PATH must be pushed first)',
      },
    );
  }
}

const platformOf = (d: Descriptor) =>
  d.platform
    ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/')
    : undefined;

/** The root's digest, then every manifest beneath it, depth first; each digest once. */
export async function signTargets(
  client: RegistryClient,
  ref: ImageReference,
): Promise<{ digest: string; targets: SignTarget[] }> {
  const root = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  const targets: SignTarget[] = [];
  const seen = new Set<string>();
  const visit = async (digest: string, mediaType: string, doc: unknown, platform?: string) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    const index = isIndex(mediaType) || (doc !== undefined && 'manifests' in (doc as object));
    targets.push({ digest, kind: index ? 'index' : 'manifest', ...(platform ? { platform } : {}) });
    if (!index) return;
    const manifests =
      (doc as { manifests?: Descriptor[] } | undefined)?.manifests ??
      ((await client.getManifest(ref.repository, digest)).document as { manifests: Descriptor[] })
        .manifests;
    for (const d of manifests) await visit(d.digest, d.mediaType, undefined, platformOf(d));
  };
  await visit(root.descriptor.digest, root.descriptor.mediaType, root.document);
  return { digest: root.descriptor.digest, targets };
}
