/**
 * How much a package may unpack to. A .deb or a wheel is held in memory
 * while it is read, so a few hundred KB that inflate to gigabytes (a
 * decompression bomb) would exhaust it. The limit is a ratio to the
 * compressed size, with a floor so that small packages of text are never
 * refused, and an absolute cap. Real packages stay far below: Debian's
 * xz-compressed data.tar and wheels inflate 2 to 10 times; a bomb, 1,000
 * times and more.
 */
import { KuboxError } from './errors.js';

export const UNPACK_LIMITS = {
  /** Unpacked bytes per compressed byte. */
  ratio: 100,
  /** Always allowed, whatever the ratio. */
  floor: 64 * 1024 * 1024,
  /** Never allowed, whatever the ratio: one package in memory. */
  max: 2 * 1024 * 1024 * 1024,
};

/** The most bytes `compressed` bytes may unpack to. */
export function unpackLimit(compressed: number): number {
  return Math.min(
    UNPACK_LIMITS.max,
    Math.max(UNPACK_LIMITS.floor, compressed * UNPACK_LIMITS.ratio),
  );
}

const MiB = (n: number) => `${Math.ceil(n / 1024 / 1024)} MiB`;

/** The refusal: `what` (a package, with its member) unpacks to more than `limit` bytes. */
export function unpackBomb(what: string, compressed: number, limit: number, size?: number) {
  return new KuboxError(
    'build-failed',
    `${what} unpacks to ${size === undefined ? 'more than' : ''} ${MiB(size ?? limit)} from ${compressed} bytes; kubox refuses more than ${MiB(limit)} (${UNPACK_LIMITS.ratio} times its compressed size, at least ${MiB(UNPACK_LIMITS.floor)}, at most ${MiB(UNPACK_LIMITS.max)}): a decompression bomb, or a package too large to build without a Docker engine`.replace(
      '  ',
      ' ',
    ),
    {
      hint: 'leave this package out, or pin another version; --engine buildx installs with dpkg or pip',
    },
  );
}
