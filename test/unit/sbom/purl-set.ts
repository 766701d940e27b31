/**
 * The package set two SBOMs are compared by (kubox's and Trivy's): the purls
 * of their deb and pypi components, reduced to type, namespace, name,
 * version and arch. Trivy writes a Debian epoch as an `epoch=` qualifier and
 * the point release in `distro=debian-12.8`; kubox keeps the epoch in the
 * version (as dpkg does) and writes `distro=debian-12`. Names are lower-cased
 * and PEP 503-normalized for pypi, as both tools do.
 */
export function canonicalPurl(purl: string): string | undefined {
  const m = /^pkg:(deb|pypi)\/(.+?)@([^?#]+)(?:\?([^#]*))?/.exec(purl);
  if (!m) return undefined;
  const [, type, path, rawVersion, query] = m;
  const q = new URLSearchParams(query ?? '');
  let version = decodeURIComponent(rawVersion!);
  const epoch = q.get('epoch');
  if (epoch && epoch !== '0' && !/^\d+:/.test(version)) version = `${epoch}:${version}`;
  let name = decodeURIComponent(path!);
  if (type === 'pypi') name = name.replace(/[-_.]+/g, '-').toLowerCase();
  const arch = q.get('arch');
  return `pkg:${type}/${name}@${version}${arch ? `?arch=${arch}` : ''}`;
}

/** Every component's purl in a CycloneDX BOM (nested components included), canonical, sorted. */
export function cyclonedxPurls(bom: unknown): string[] {
  const out = new Set<string>();
  const walk = (components: unknown) => {
    for (const c of (components as { purl?: string; components?: unknown }[] | undefined) ?? []) {
      const p = c.purl ? canonicalPurl(c.purl) : undefined;
      if (p) out.add(p);
      walk(c.components);
    }
  };
  walk((bom as { components?: unknown }).components);
  return [...out].sort();
}

/** Every package's purl in an SPDX document, canonical, sorted. */
export function spdxPurls(doc: unknown): string[] {
  const out = new Set<string>();
  for (const p of (
    doc as { packages?: { externalRefs?: { referenceType: string; referenceLocator: string }[] }[] }
  ).packages ?? [])
    for (const r of p.externalRefs ?? [])
      if (r.referenceType === 'purl') {
        const c = canonicalPurl(r.referenceLocator);
        if (c) out.add(c);
      }
  return [...out].sort();
}
