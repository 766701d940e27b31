/** Identifiers inside SBOM documents, derived from the image so that the same image gives the same bytes. Pure. */
import { createHash } from 'node:crypto';
import { licenseIds } from './licenses.js';
import type { SbomComponent, SbomModel } from './model.js';

/** A name-based UUID (version 5 layout) from `seed`: CycloneDX's serialNumber, stable per image. */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Distinct ids for the components, in their (sorted) order, built from what they are. */
export function componentIds(
  components: readonly SbomComponent[],
  make: (c: SbomComponent) => string,
): string[] {
  const seen = new Map<string, number>();
  return components.map((c) => {
    const id = make(c);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return n === 0 ? id : `${id}-${n + 1}`;
  });
}

/** The image's name for a document: what it was opened as, or its digest. */
export function imageName(model: SbomModel): string {
  return model.image.name ?? model.image.digest;
}

/** pkg:oci purl of the image (name: the last path part of its reference, when it has one). */
export function imagePurl(model: SbomModel): string {
  const arch = model.image.platform.split('/')[1] ?? '';
  const ref = model.image.name?.startsWith('oci:') ? undefined : model.image.name;
  const repo = ref?.replace(/[@:][^/]*$/, '');
  const last = repo?.split('/').pop() || 'image';
  const q = [`arch=${arch}`];
  if (repo && repo.includes('/'))
    q.push(`repository_url=${encodeURIComponent(repo).replace(/%2F/g, '/')}`);
  // As the purl spec writes it for oci: the digest's ":" percent-encoded.
  return `pkg:oci/${last.toLowerCase()}@${model.image.digest.replace(':', '%3A')}?${q.join('&')}`;
}

/** Every LicenseRef- the components' expressions use, sorted. */
export function licenseRefsOf(components: readonly SbomComponent[]): string[] {
  const refs = new Set<string>();
  for (const c of components)
    for (const id of c.license ? licenseIds(c.license) : [])
      if (id.startsWith('LicenseRef-')) refs.add(id);
  return [...refs].sort();
}
