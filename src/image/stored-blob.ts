/**
 * A blob kept on disk as a byte range of a file: a layout's blob file, or an
 * entry of an archive read in place. Both say the same thing when the bytes
 * stored are not as many as the descriptor promises.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { KuboxError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import type { Layer } from './model.js';

export interface Stored {
  file: string;
  /** Where the blob's bytes start in `file`, and how many are stored. */
  offset: number;
  size: number;
}

export function storedLayer(d: Descriptor, where: () => Stored, path?: string): Layer {
  return {
    digest: d.digest,
    size: d.size,
    mediaType: d.mediaType,
    ...(path ? { path } : {}),
    open(start = 0, end = d.size) {
      const { file, offset, size } = where();
      if (size !== d.size)
        throw new KuboxError(
          'io',
          `blob ${d.digest} is ${size} bytes in the layout, its descriptor says ${d.size}`,
        );
      if (end <= start) return Readable.from([]);
      return createReadStream(file, { start: offset + start, end: offset + end - 1 });
    },
  };
}
