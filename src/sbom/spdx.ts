/**
 * An SBOM model as an SPDX 2.3 JSON document. The image is the package the
 * document describes; it CONTAINS every component and its operating system,
 * and is a DESCENDANT_OF its base. Deterministic: the same model gives the
 * same bytes (no clock, no random namespace).
 */
import { kuboxVersion } from '../version.js';
import { componentIds, imageName, imagePurl, licenseRefsOf } from './ids.js';
import type { SbomComponent, SbomModel } from './model.js';

export interface SbomMeta {
  /** The tool named as the creator; default kubox and its version. */
  tool?: { name: string; version: string };
}

const NOASSERTION = 'NOASSERTION';

function spdxId(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, '-');
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

function purpose(c: SbomComponent): string {
  return c.kind === 'binary' ? 'APPLICATION' : 'LIBRARY';
}

function sourceInfo(c: SbomComponent): string | undefined {
  const parts: string[] = [];
  if (c.sourcePackage)
    parts.push(
      `built from Debian source package ${c.sourcePackage.name} ${c.sourcePackage.version}`,
    );
  if (c.download?.repository) parts.push(`downloaded from apt source "${c.download.repository}"`);
  return parts.length ? parts.join('; ') : undefined;
}

function componentPackage(c: SbomComponent, id: string): Record<string, unknown> {
  const comment = [
    c.architecture ? `architecture ${c.architecture}` : undefined,
    c.location ? `found in /${c.location}` : undefined,
  ].filter(Boolean);
  const info = sourceInfo(c);
  return {
    SPDXID: id,
    name: c.name,
    ...(c.version ? { versionInfo: c.version } : {}),
    downloadLocation: c.download?.url ?? NOASSERTION,
    filesAnalyzed: false,
    ...(c.download
      ? { checksums: [{ algorithm: 'SHA256', checksumValue: c.download.sha256 }] }
      : {}),
    ...(info ? { sourceInfo: info } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: c.license ?? NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: purpose(c),
    ...(c.purl
      ? {
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: c.purl,
            },
          ],
        }
      : {}),
    ...(comment.length ? { comment: comment.join('; ') } : {}),
  };
}

export function formatSpdx(model: SbomModel, meta: SbomMeta = {}): string {
  const tool = meta.tool ?? { name: 'kubox', version: kuboxVersion() };
  const IMAGE = 'SPDXRef-Image';
  const ids = componentIds(model.components, (c) =>
    spdxId(
      `SPDXRef-${c.kind}-${c.name}-${c.architecture ?? ''}-${c.version ?? ''}`.replace(/-+$/, ''),
    ),
  );
  const packages: Record<string, unknown>[] = [
    {
      SPDXID: IMAGE,
      name: imageName(model),
      versionInfo: model.image.digest,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: hex(model.image.digest) }],
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'CONTAINER',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: imagePurl(model),
        },
      ],
      comment: `the ${model.image.platform} image${model.image.indexDigest ? ` of the index ${model.image.indexDigest}` : ''}`,
    },
  ];
  const relationships: Record<string, string>[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE },
  ];
  if (model.distro) {
    packages.push({
      SPDXID: 'SPDXRef-OperatingSystem',
      name: model.distro.id,
      ...(model.distro.versionId ? { versionInfo: model.distro.versionId } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'OPERATING-SYSTEM',
      ...(model.distro.prettyName ? { description: model.distro.prettyName } : {}),
    });
    relationships.push({
      spdxElementId: IMAGE,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: 'SPDXRef-OperatingSystem',
    });
  }
  if (model.base) {
    packages.push({
      SPDXID: 'SPDXRef-BaseImage',
      name: model.base.name ?? model.base.digest!,
      ...(model.base.digest ? { versionInfo: model.base.digest } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      ...(model.base.digest?.startsWith('sha256:')
        ? { checksums: [{ algorithm: 'SHA256', checksumValue: hex(model.base.digest) }] }
        : {}),
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'CONTAINER',
      comment: 'the base image, from the image labels org.opencontainers.image.base.*',
    });
    relationships.push({
      spdxElementId: IMAGE,
      relationshipType: 'DESCENDANT_OF',
      relatedSpdxElement: 'SPDXRef-BaseImage',
    });
  }
  model.components.forEach((c, i) => {
    packages.push(componentPackage(c, ids[i]!));
    relationships.push({
      spdxElementId: IMAGE,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: ids[i]!,
    });
  });
  const refs = licenseRefsOf(model.components);
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${imageName(model)} (${model.image.platform})`,
    documentNamespace: `urn:kubox:sbom:spdx:${hex(model.image.digest)}`,
    creationInfo: {
      created: model.image.created,
      creators: [`Tool: ${tool.name}-${tool.version}`],
      comment: `SBOM of the ${model.image.platform} image ${model.image.digest}; timestamps are the image's creation time`,
    },
    documentDescribes: [IMAGE],
    packages,
    relationships,
    ...(refs.length
      ? {
          hasExtractedLicensingInfos: refs.map((id) => ({
            licenseId: id,
            name: id.slice('LicenseRef-'.length),
            extractedText: `The license a package names "${id.slice('LicenseRef-'.length)}"; SPDX has no identifier for it. See the package's copyright or metadata file.`,
          })),
        }
      : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
