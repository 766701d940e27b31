/**
 * What a command is given to name an image: `oci:PATH` (an OCI layout
 * directory or archive on disk) or a registry reference. Parsed here and
 * nowhere else. Pure.
 */
import { parseReference, type ImageReference } from '../oci/reference.js';

const LAYOUT_PREFIX = 'oci:';

export type ImageName =
  { kind: 'layout'; path: string } | { kind: 'registry'; ref: ImageReference };

/** The PATH of `oci:PATH` ('' when nothing follows the prefix); undefined for anything else. */
export function layoutPath(name: string): string | undefined {
  return name.startsWith(LAYOUT_PREFIX) ? name.slice(LAYOUT_PREFIX.length) : undefined;
}

/** A layout path, or else a registry reference (a ReferenceError when it is not one). */
export function parseImageName(name: string): ImageName {
  const path = layoutPath(name);
  return path !== undefined
    ? { kind: 'layout', path }
    : { kind: 'registry', ref: parseReference(name) };
}
