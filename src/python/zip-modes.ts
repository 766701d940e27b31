/**
 * Unix permission bits of the members of a zip, read from its central
 * directory. fflate's unzip hands back names and bytes only, and a wheel marks
 * its executables there (pip keeps the x bit). Pure.
 */

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const UNIX = 3;

/** Member name to permission bits, for members written on Unix; empty when unreadable. */
export function zipModes(zip: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return out;
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (
    (offset === 0xffffffff || count === 0xffff) &&
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === ZIP64_LOCATOR
  ) {
    const z = Number(view.getBigUint64(eocd - 12, true));
    if (z + 56 > zip.length || view.getUint32(z, true) !== ZIP64_EOCD) return out;
    count = Number(view.getBigUint64(z + 32, true));
    offset = Number(view.getBigUint64(z + 48, true));
  }
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  for (let n = 0, p = offset; n < count && p + 46 <= zip.length; n++) {
    if (view.getUint32(p, true) !== CENTRAL) break;
    const madeBy = view.getUint16(p + 4, true) >> 8;
    const flags = view.getUint16(p + 8, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    const nameBytes = zip.subarray(p + 46, p + 46 + nameLen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    if (madeBy === UNIX) out.set(name, (external >>> 16) & 0o7777);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
