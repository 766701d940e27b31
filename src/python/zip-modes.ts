/**
 * Unix permission bits of the members of a zip, read from its central
 * directory. fflate's unzip hands back names and bytes only, and a wheel marks
 * its executables there (pip keeps the x bit). Pure.
 */
import { KuboxError } from '../errors.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const UNIX = 3;

function unreadable(what: string, reason: string): KuboxError {
  return new KuboxError('integrity', `${what} is not a readable zip: ${reason}`, {
    hint: 'download it again; if it is served like this, use another version',
  });
}

/**
 * Member name to permission bits, for members written on Unix. A zip whose
 * central directory cannot be read whole (no end-of-central-directory record,
 * a bad zip64 record, an entry without its signature, a truncated directory)
 * is a KuboxError naming `what`: never a map that silently lacks the x bits.
 */
export function zipModes(zip: Uint8Array, what = 'the zip'): Map<string, number> {
  const out = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadable(what, 'no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const z = Number(view.getBigUint64(eocd - 12, true));
    if (z + 56 > eocd - 20 || view.getUint32(z, true) !== ZIP64_EOCD) {
      throw unreadable(
        what,
        `its zip64 locator points to no zip64 end-of-central-directory record`,
      );
    }
    if (count === 0xffff) count = Number(view.getBigUint64(z + 32, true));
    if (offset === 0xffffffff) offset = Number(view.getBigUint64(z + 48, true));
  } else if (offset === 0xffffffff) {
    throw unreadable(what, 'it needs a zip64 end-of-central-directory record and has none');
  }
  if (offset > eocd) {
    throw unreadable(what, `its central directory starts at ${offset}, past its end (${eocd})`);
  }
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let p = offset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length) {
      throw unreadable(what, `its central directory is truncated (entry ${n + 1} of ${count})`);
    }
    if (view.getUint32(p, true) !== CENTRAL) {
      throw unreadable(
        what,
        `central directory entry ${n + 1} of ${count} (at ${p}) has no entry signature`,
      );
    }
    const madeBy = view.getUint16(p + 4, true) >> 8;
    const flags = view.getUint16(p + 8, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > zip.length) {
      throw unreadable(what, `its central directory is truncated (entry ${n + 1} of ${count})`);
    }
    const nameBytes = zip.subarray(p + 46, p + 46 + nameLen);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    if (madeBy === UNIX) out.set(name, (external >>> 16) & 0o7777);
    p = end;
  }
  return out;
}
