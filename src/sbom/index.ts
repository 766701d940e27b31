/** SBOMs of images: the model (`sbomFor`) and its SPDX 2.3 and CycloneDX 1.6 JSON forms. */
export { sbomFor, applyLock, sbomTimestamp, type SbomOptions } from './sbom.js';
export { formatSpdx, type SbomMeta } from './spdx.js';
export { formatCycloneDx } from './cyclonedx.js';
export type { SbomModel, SbomComponent, ComponentKind, Download } from './model.js';
