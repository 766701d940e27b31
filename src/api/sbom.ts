/**
 * `kubox/sbom`: the SBOM of an image, as SPDX 2.3 or CycloneDX 1.6 JSON.
 *
 *   import { openImage } from 'kubox/image';
 *   import { sbomFor, formatSpdx } from 'kubox/sbom';
 *   const model = await sbomFor(await openImage('oci:out/py-kube.tar'), { platform: 'linux/amd64' });
 *   writeFileSync('sbom.spdx.json', formatSpdx(model));
 */
export {
  sbomFor,
  formatSpdx,
  formatCycloneDx,
  type SbomOptions,
  type SbomMeta,
  type SbomModel,
  type SbomComponent,
} from '../sbom/index.js';
