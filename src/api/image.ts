/**
 * `kubox/image`: reading images (a registry reference, oci:PATH, a layout
 * directory or archive) and writing OCI image layouts.
 *
 *   import { readArchive, openImage } from 'kubox/image';
 *   const summary = await readArchive('out/img.tar');
 *   const image = await openImage('oci:out/img.tar');
 */
export { readArchive, type ImageSummary, type PlatformImage } from '../image/summary.js';
export { openImage } from '../image/open.js';
export {
  platformOf,
  type ImageNode,
  type Image,
  type ImageIndex,
  type Layer,
} from '../image/model.js';
export {
  openLayout,
  packLayout,
  createLayout,
  writeBlob,
  writeIndex,
  type Layout,
} from '../oci/layout.js';
