/**
 * An SBOM model as a CycloneDX 1.6 JSON BOM. The image is metadata.component
 * (its base, a pedigree ancestor); every component depends from it.
 * Deterministic: the serial number is derived from the image digest and the
 * timestamp is the image's creation time.
 */
import { kuboxVersion } from '../version.js';
import { componentIds, imageName, imagePurl, stableUuid } from './ids.js';
import { KNOWN_LICENSE_IDS, licenseIds } from './licenses.js';
import type { SbomComponent, SbomModel } from './model.js';
import type { SbomMeta } from './spdx.js';

type Json = Record<string, unknown>;

const prop = (name: string, value: string) => ({ name, value });

/** A single id SPDX's list has: `license.id`; anything else (LicenseRef-, AND/OR): an expression. */
function licenses(license: string | undefined): Json[] | undefined {
  if (!license) return undefined;
  const ids = licenseIds(license);
  if (ids.length === 1 && ids[0] === license && KNOWN_LICENSE_IDS.has(license))
    return [{ license: { id: license } }];
  return [{ expression: license }];
}

function component(c: SbomComponent, ref: string): Json {
  const properties = [
    ...(c.architecture ? [prop('kubox:deb:architecture', c.architecture)] : []),
    ...(c.sourcePackage
      ? [
          prop('kubox:deb:source', c.sourcePackage.name),
          prop('kubox:deb:source-version', c.sourcePackage.version),
        ]
      : []),
    ...(c.download?.repository ? [prop('kubox:apt:source', c.download.repository)] : []),
    ...(c.location ? [prop('kubox:location', `/${c.location}`)] : []),
  ];
  const lic = licenses(c.license);
  return {
    type: c.kind === 'binary' ? 'application' : 'library',
    'bom-ref': ref,
    name: c.name,
    ...(c.version ? { version: c.version } : {}),
    ...(c.download ? { hashes: [{ alg: 'SHA-256', content: c.download.sha256 }] } : {}),
    ...(lic ? { licenses: lic } : {}),
    ...(c.purl ? { purl: c.purl } : {}),
    ...(c.download ? { externalReferences: [{ type: 'distribution', url: c.download.url }] } : {}),
    ...(properties.length ? { properties } : {}),
  };
}

export function formatCycloneDx(model: SbomModel, meta: SbomMeta = {}): string {
  const tool = meta.tool ?? { name: 'kubox', version: kuboxVersion() };
  const IMAGE = 'image';
  const refs = componentIds(
    model.components,
    (c) => c.purl ?? `${c.kind}:${c.name}@${c.version ?? ''}`,
  );
  const components: Json[] = [];
  if (model.distro)
    components.push({
      type: 'operating-system',
      'bom-ref': 'operating-system',
      name: model.distro.id,
      ...(model.distro.versionId ? { version: model.distro.versionId } : {}),
      ...(model.distro.prettyName ? { description: model.distro.prettyName } : {}),
    });
  model.components.forEach((c, i) => components.push(component(c, refs[i]!)));
  const imageProps = [
    prop('kubox:platform', model.image.platform),
    ...(model.image.indexDigest ? [prop('kubox:index-digest', model.image.indexDigest)] : []),
  ];
  const base = model.base
    ? {
        pedigree: {
          ancestors: [
            {
              type: 'container',
              'bom-ref': 'base-image',
              name: model.base.name ?? model.base.digest!,
              ...(model.base.digest ? { version: model.base.digest } : {}),
            },
          ],
        },
      }
    : {};
  const bom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${stableUuid(`${model.image.digest} cyclonedx`)}`,
    version: 1,
    metadata: {
      timestamp: model.image.created,
      tools: { components: [{ type: 'application', name: tool.name, version: tool.version }] },
      component: {
        type: 'container',
        'bom-ref': IMAGE,
        name: imageName(model),
        version: model.image.digest,
        hashes: [{ alg: 'SHA-256', content: model.image.digest.replace(/^sha256:/, '') }],
        purl: imagePurl(model),
        ...base,
        properties: imageProps,
      },
      properties: imageProps,
    },
    components,
    dependencies: [
      {
        ref: IMAGE,
        dependsOn: [...(model.distro ? ['operating-system'] : []), ...refs],
      },
    ],
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}
