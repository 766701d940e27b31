/**
 * What an SBOM says about one platform's image, before it is written as SPDX
 * or CycloneDX: the image, its distribution, its base, and every component
 * (Debian package, Python distribution, downloaded binary). Pure.
 */
export type ComponentKind = 'deb' | 'pypi' | 'binary';

export interface Download {
  url: string;
  sha256: string;
  /** The apt source a .deb came from: "debian", "debian-security", a spec repository's name. */
  repository?: string;
}

export interface SbomComponent {
  kind: ComponentKind;
  name: string;
  version?: string;
  architecture?: string;
  purl?: string;
  /** A Debian package's source package (its `Source:` field, or itself). */
  sourcePackage?: { name: string; version: string };
  /** An SPDX license expression; absent when the image does not say (NOASSERTION). */
  license?: string;
  /** Where it was found in the image (the dpkg status, a METADATA file); absent for lock-only binaries. */
  location?: string;
  /** From the lock: where the bytes were fetched, and their sha256. */
  download?: Download;
}

export interface SbomModel {
  image: {
    /** The platform manifest's digest: what the SBOM describes. */
    digest: string;
    /** The index it was chosen from, when there was one. */
    indexDigest?: string;
    platform: string;
    /** The config's `created`, RFC 3339 without fractions: every timestamp in the SBOM. */
    created: string;
    /** The name the image was opened by, when the caller gave one. */
    name?: string;
  };
  distro?: { id: string; versionId?: string; codename?: string; prettyName?: string };
  base?: { name?: string; digest?: string };
  components: SbomComponent[];
}

/** Code-point order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_ORDER: Record<ComponentKind, number> = { deb: 0, pypi: 1, binary: 2 };

export function compareComponents(a: SbomComponent, b: SbomComponent): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareText(a.name, b.name) ||
    compareText(a.architecture ?? '', b.architecture ?? '') ||
    compareText(a.version ?? '', b.version ?? '') ||
    compareText(a.location ?? '', b.location ?? '')
  );
}

/** purl segments: like Go's url.PathEscape (what Trivy's packageurl-go writes), "+" and ":" kept. */
export function purlEscape(s: string): string {
  return encodeURIComponent(s).replace(/%2B/g, '+').replace(/%3A/g, ':');
}

function qualifiers(q: Record<string, string | undefined>): string {
  const parts = Object.entries(q)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => compareText(a, b))
    .map(([k, v]) => `${k}=${purlEscape(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export function debPurl(
  distroId: string,
  name: string,
  version: string,
  arch: string,
  distro?: string,
): string {
  return `pkg:deb/${distroId}/${purlEscape(name)}@${purlEscape(version)}${qualifiers({ arch, distro })}`;
}

export function pypiPurl(normalizedName: string, version: string): string {
  return `pkg:pypi/${purlEscape(normalizedName)}@${purlEscape(version)}`;
}

export function binaryPurl(name: string, url: string, sha256: string): string {
  return `pkg:generic/${purlEscape(name)}${qualifiers({ checksum: `sha256:${sha256}`, download_url: url })}`;
}
