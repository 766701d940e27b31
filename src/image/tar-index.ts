/**
 * Where each file of a tar lies: one pass over its headers, reading none of
 * the file contents, so that an archive's blobs are read in place (a byte
 * range of the tar) instead of being extracted. Plain ustar, with the PAX
 * (`x`) and GNU long-name (`L`) headers Go's and Node's tar writers emit.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface TarFile {
  /** Offset of the first content byte in the tar. */
  offset: number;
  size: number;
}

const BLOCK = 512;

function text(b: Buffer, start: number, length: number): string {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** A numeric field: octal text, or base-256 when its first byte has the high bit set. */
function number(b: Buffer, start: number, length: number): number {
  if (b[start]! & 0x80) {
    let n = b[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const digits = text(b, start, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

/** The header checksum: a header that fails it means the file is not (or no longer) a tar. */
function checksumOk(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  return sum === number(b, 148, 8);
}

/** PAX records: "<length> <key>=<value>\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = parseInt(data.subarray(at, space).toString('utf8'), 10);
    if (space < 0 || !(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.alloc(length);
  const { bytesRead } = await fh.read(b, 0, length, position);
  if (bytesRead < length) throw new Error('unexpected end of file');
  return b;
}

/** The regular files of the tar at `path`, by name (a leading "./" dropped). */
export async function indexTar(path: string): Promise<Map<string, TarFile>> {
  const files = new Map<string, TarFile>();
  const fh = await open(path, 'r');
  try {
    const { size: total } = await fh.stat();
    let at = 0;
    let longName: string | undefined;
    let pax = new Map<string, string>();
    while (at + BLOCK <= total) {
      const header = await readAt(fh, at, BLOCK);
      if (header.every((c) => c === 0)) break;
      if (!checksumOk(header)) throw new Error(`bad tar header at byte ${at}`);
      const type = String.fromCharCode(header[156]!);
      const size = pax.has('size') ? Number(pax.get('size')) : number(header, 124, 12);
      const offset = at + BLOCK;
      at = offset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        const data = await readAt(fh, offset, size);
        if (type === 'x') pax = paxRecords(data);
        else longName = text(data, 0, size);
        continue;
      }
      // POSIX ustar splits long names into prefix/name; old GNU headers keep times there.
      const posix = header.subarray(257, 263).toString('latin1') === 'ustar\0';
      const prefix = posix ? text(header, 345, 155) : '';
      const short = text(header, 0, 100);
      const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${short}` : short);
      pax = new Map();
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7')
        files.set(name.replace(/^\.\//, ''), { offset, size });
    }
  } finally {
    await fh.close();
  }
  return files;
}
