/**
 * Reads a .deb without dpkg: the `ar` container, its control.tar (control,
 * md5sums, maintainer scripts...) and its data.tar as FileEntry values the
 * layer writer takes. Pure apart from the decompressors.
 */
import { gunzip, type ZlibOptions } from 'node:zlib';
import lzma from '@napi-rs/lzma';
import { Decompress as ZstdStream, decompress as zstdDecompress } from 'fzstd';
import * as tar from 'tar-stream';
import { KuboxError } from '../errors.js';
import type { FileEntry } from '../oci/file-entry.js';
import { unpackBomb, unpackLimit } from '../unpack-limit.js';

/** Thrown inside a decompressor when its output passes the limit; reported as a bomb. */
class TooLarge extends Error {
  constructor(readonly size?: number) {
    super('the output passes the unpack limit');
  }
}

/**
 * Gunzips every member, refusing bytes after the last one: zlib checks each
 * member's CRC-32 and length and refuses a cut stream, but silently drops
 * trailing zeros, which `info` (the count of bytes it read) shows.
 */
function gunzipAll(data: Buffer, limit = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const opts = { info: true, ...(limit < Infinity ? { maxOutputLength: limit } : {}) };
    gunzip(data, opts as ZlibOptions, (err, res) => {
      // zlib stops at maxOutputLength: the output never grows past the limit.
      if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE')
        return reject(new TooLarge());
      if (err) return reject(err);
      const { buffer, engine } = res as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      if (engine.bytesWritten !== data.length)
        reject(
          new Error(`${data.length - engine.bytesWritten} bytes after the end of the gzip stream`),
        );
      else resolve(buffer);
    });
  });
}

export interface Deb {
  /** control.tar members by base name: "control", "md5sums", "conffiles", "postinst", "triggers"... */
  control: Map<string, Buffer>;
  /** data.tar, in archive order. */
  files: FileEntry[];
}

export interface ArMember {
  name: string;
  data: Buffer;
}

const AR_MAGIC = '!<arch>\n';

const CORRUPT_HINT =
  'the file is truncated or corrupt; delete it from the kubox cache and download it again';

/** Splits an `ar` archive: "!<arch>\n", then 60-byte headers each followed by the member, padded to an even offset. */
export function readAr(bytes: Buffer, what: string): ArMember[] {
  const bad = (why: string) =>
    new KuboxError('integrity', `${what} is not a valid .deb: ${why}`, {
      hint: CORRUPT_HINT,
    });
  if (bytes.length < 8 || bytes.toString('latin1', 0, 8) !== AR_MAGIC) throw bad('no ar header');
  const members: ArMember[] = [];
  let off = 8;
  while (off < bytes.length) {
    // A single "\n" of padding may end the archive.
    if (off + 1 === bytes.length && bytes[off] === 0x0a) break;
    if (off + 60 > bytes.length) throw bad(`truncated member header at byte ${off}`);
    const header = bytes.toString('latin1', off, off + 60);
    if (header.slice(58, 60) !== '`\n') throw bad(`corrupt member header at byte ${off}`);
    // GNU ar ends names with "/"; BSD-style long names ("#1/len") do not occur in .debs.
    const name = header.slice(0, 16).trimEnd().replace(/\/$/, '');
    // Decimal digits, left-aligned, padded with spaces: anything else is a misread header.
    const sizeField = header.slice(48, 58);
    if (!/^\d+ *$/.test(sizeField))
      throw bad(`member "${name}" has no valid size ("${sizeField}")`);
    const size = Number.parseInt(sizeField, 10);
    const start = off + 60;
    if (start + size > bytes.length) throw bad(`member "${name}" is truncated`);
    members.push({ name, data: bytes.subarray(start, start + size) });
    off = start + size + (size % 2);
  }
  return members;
}

async function decompress(member: ArMember, what: string): Promise<Buffer> {
  const ext = member.name.slice(member.name.lastIndexOf('.tar') + 4);
  if (!['', '.gz', '.xz', '.zst'].includes(ext))
    throw new KuboxError(
      'build-failed',
      `${what}: ${member.name} uses a compression kubox cannot read (${ext.slice(1)})`,
      {
        hint: 'kubox reads .debs compressed with gzip, xz or zstd; use another version of the package or --engine buildx',
      },
    );
  if (member.data.length === 0)
    throw new KuboxError('integrity', `${what}: ${member.name} is empty`, { hint: CORRUPT_HINT });
  const limit = unpackLimit(member.data.length);
  try {
    let out: Buffer;
    switch (ext) {
      case '.gz':
        out = await gunzipAll(member.data, limit);
        break;
      case '.xz':
        out = await unxz(member.data, limit);
        break;
      case '.zst':
        out = unzstd(member.data, limit);
        break;
      default:
        out = member.data;
    }
    if (out.length > limit) throw new TooLarge(out.length);
    return out;
  } catch (e) {
    if (e instanceof TooLarge)
      throw unpackBomb(`${what}: ${member.name}`, member.data.length, limit, e.size);
    throw new KuboxError(
      'integrity',
      `${what}: ${member.name} does not decompress: ${(e as Error).message}`,
      { hint: CORRUPT_HINT, cause: e },
    );
  }
}

/**
 * Decompresses xz without letting a lying file run away. The xz index's sizes
 * are the file's word only, and the decompressor (@napi-rs/lzma) compares the
 * output with them only at the end. So each block's LZMA2 chunks are walked
 * first, without decoding: every chunk header states how much it unpacks to
 * (at most 2 MiB), and the decoder produces exactly that; their sum is what
 * the block will produce, and it is checked against `limit` before anything
 * is decompressed.
 */
async function unxz(data: Buffer, limit: number): Promise<Buffer> {
  let total = 0;
  for (const st of xzStreams(data))
    for (const b of st.blocks) {
      total += lzma2Size(data, st.checkSize, b);
      if (total > limit) throw new TooLarge(total);
    }
  // The decompressor checks every block's check (CRC-64 from dpkg-deb) and the index,
  // and refuses trailing data.
  return lzma.xz.decompress(data);
}

interface XzBlock {
  offset: number;
  unpadded: number;
  /** What the index says the block unpacks to: the file's word only. */
  uncompressed: number;
}

const XZ_CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/** Each stream's check size and its blocks (where, how long), read from the indexes. */
function xzStreams(data: Buffer): { checkSize: number; blocks: XzBlock[] }[] {
  const streams: { checkSize: number; blocks: XzBlock[] }[] = [];
  let end = data.length;
  while (end > 0) {
    while (end >= 4 && data.readUInt32LE(end - 4) === 0) end -= 4;
    if (end < 24) throw new Error('no xz stream footer');
    if (data[end - 2] !== 0x59 || data[end - 1] !== 0x5a) throw new Error('no xz stream footer');
    const indexSize = (data.readUInt32LE(end - 8) + 1) * 4;
    const indexStart = end - 12 - indexSize;
    if (indexStart < 12 || data[indexStart] !== 0) throw new Error('no xz index');
    let [records, p] = vli(data, indexStart + 1, end - 12);
    const recs: { unpadded: number; uncompressed: number }[] = [];
    for (; records > 0; records--) {
      const [unpadded, q] = vli(data, p, end - 12);
      const [uncompressed, r] = vli(data, q, end - 12);
      recs.push({ unpadded, uncompressed });
      p = r;
    }
    const header = indexStart - recs.reduce((n, b) => n + Math.ceil(b.unpadded / 4) * 4, 0) - 12;
    if (header < 0 || data.toString('latin1', header, header + 6) !== '\xfd7zXZ\0')
      throw new Error('xz index does not match the blocks before it');
    let offset = header + 12;
    const blocks = recs.map((b) => {
      const block = { offset, ...b };
      offset += Math.ceil(b.unpadded / 4) * 4;
      return block;
    });
    streams.unshift({ checkSize: XZ_CHECK_SIZES[data[header + 7]! & 0x0f]!, blocks });
    end = header;
  }
  return streams;
}

/** What an xz block unpacks to: the sum of its LZMA2 chunks' sizes, read without decoding. */
function lzma2Size(data: Buffer, checkSize: number, block: XzBlock): number {
  const at = block.offset;
  const headerSize = (data[at]! + 1) * 4;
  const bad = (why: string) => new Error(`xz block at byte ${at}: ${why}`);
  if (data[at] === 0 || at + headerSize > data.length) throw bad('bad block header');
  const flags = data[at + 1]!;
  let p = at + 2;
  if (flags & 0x40) p = vli(data, p, at + headerSize - 4)[1];
  if (flags & 0x80) p = vli(data, p, at + headerSize - 4)[1];
  // Filters: (flags & 3) + 1 of them; the last one compresses, and dpkg-deb's is LZMA2
  // (the others, BCJ and delta, keep the size).
  let last = -1;
  for (let i = 0; i <= (flags & 0x03); i++) {
    const [id, afterId] = vli(data, p, at + headerSize - 4);
    const [propsSize, afterSize] = vli(data, afterId, at + headerSize - 4);
    p = afterSize + propsSize;
    last = id;
  }
  if (last !== 0x21) throw bad(`its filter 0x${last.toString(16)} is not LZMA2`);
  let q = at + headerSize;
  const end = at + block.unpadded - checkSize;
  if (end > data.length || q > end) throw bad('cut short');
  let size = 0;
  for (;;) {
    if (q >= end) throw bad('its LZMA2 data has no end marker');
    const control = data[q]!;
    if (control === 0x00) break;
    if (control === 0x01 || control === 0x02) {
      if (q + 3 > end) throw bad('cut short');
      const n = data.readUInt16BE(q + 1) + 1;
      size += n;
      q += 3 + n;
    } else if (control >= 0x80) {
      if (q + 5 > end) throw bad('cut short');
      size += (control & 0x1f) * 65536 + data.readUInt16BE(q + 1) + 1;
      q += 5 + (control >= 0xc0 ? 1 : 0) + data.readUInt16BE(q + 3) + 1;
    } else throw bad(`LZMA2 chunk with the invalid control byte 0x${control.toString(16)}`);
  }
  return size;
}

/** An xz variable-length integer at `p`: its value and the offset after it. */
function vli(data: Buffer, p: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (p + i >= end) throw new Error('xz index is cut short');
    const b = data[p + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, p + i + 1];
  }
  throw new Error('xz index has an integer longer than 9 bytes');
}

/**
 * The uncompressed size an xz file declares: the sum of its indexes' records,
 * read from the end (stream footer, backward size, index), stream by stream.
 * Nothing is decompressed.
 */
export function xzDeclaredSize(data: Buffer): number {
  return xzStreams(data)
    .flatMap((st) => st.blocks)
    .reduce((n, b) => n + b.uncompressed, 0);
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Decompresses zstd frame by frame. fzstd neither checks a frame's content
 * checksum nor notices that the checksum (or the end of the last block) is
 * missing, and pads the output with zeros up to the content size the header
 * declares; so each frame is walked here first, and a frame cut short,
 * trailing bytes that are no frame, or a checksum that disagrees with the
 * output (dpkg-deb always writes one) are errors, as they are for `zstd -d`.
 */
export function unzstd(data: Buffer, limit = Infinity): Buffer {
  const outs: Buffer[] = [];
  let off = 0;
  let total = 0;
  const need = (end: number, what: string) => {
    if (end > data.length) throw new Error(`zstd frame at byte ${off} is cut short in its ${what}`);
  };
  while (off < data.length) {
    if (off + 4 > data.length)
      throw new Error(`${data.length - off} bytes after the last zstd frame`);
    const magic = data.readUInt32LE(off);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      // Skippable frame: 4-byte size, then that many bytes nobody reads.
      need(off + 8, 'header');
      const end = off + 8 + data.readUInt32LE(off + 4);
      need(end, 'skippable content');
      off = end;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new Error(`no zstd frame at byte ${off}`);
    need(off + 5, 'header');
    const fhd = data[off + 4]!;
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd >> 5) & 1;
    const hasChecksum = (fhd >> 2) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    let p = off + 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    need(p, 'header');
    // The content size the frame declares: fzstd allocates (and zero-pads to) exactly that.
    const fcsAt = p - fcsBytes;
    const declared =
      fcsBytes === 0
        ? undefined
        : fcsBytes === 8
          ? Number(data.readBigUInt64LE(fcsAt))
          : data.readUIntLE(fcsAt, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    if (declared !== undefined && total + declared > limit) throw new TooLarge(total + declared);
    for (;;) {
      need(p + 3, 'block header');
      const bh = data.readUIntLE(p, 3);
      const type = (bh >> 1) & 3;
      if (type === 3) throw new Error(`zstd block at byte ${p} has the reserved type`);
      // An RLE block holds one byte, repeated block-size times.
      p += 3 + (type === 1 ? 1 : bh >>> 3);
      need(p, 'block');
      if (bh & 1) break;
    }
    if (hasChecksum) {
      p += 4;
      need(p, 'checksum');
    }
    const frame =
      declared === undefined && limit < Infinity
        ? zstdBounded(data.subarray(off, p), limit - total)
        : zstdDecompress(data.subarray(off, p));
    const out = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    total += out.length;
    if (total > limit) throw new TooLarge(total);
    if (hasChecksum) {
      const want = data.readUInt32LE(p - 4);
      const got = xxh64Low32(out);
      if (got !== want)
        throw new Error(
          `zstd frame at byte ${off}: content checksum ${hex(got)} does not match ${hex(want)}`,
        );
    }
    outs.push(out);
    off = p;
  }
  if (outs.length === 0) throw new Error('no zstd frame');
  return outs.length === 1 ? outs[0]! : Buffer.concat(outs);
}

/** A frame that declares no content size, decoded block by block, stopped past `limit` bytes. */
function zstdBounded(frame: Uint8Array, limit: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdStream((chunk) => {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    parts.push(chunk);
  });
  for (let i = 0; i < frame.length; i += 65536)
    stream.push(frame.subarray(i, i + 65536), i + 65536 >= frame.length);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/*
 * XXH64 (seed 0) on pairs of unsigned 32-bit halves, for zstd's content
 * checksum (its low 32 bits). Results of the 64-bit helpers land in HI/LO, so
 * the hot loop allocates nothing; BigInt would be an order of magnitude slower.
 */
let HI = 0;
let LO = 0;

/** HI:LO = a * b mod 2^64, with 16-bit limbs so that every partial product is exact. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  HI = ((c48 << 16) | c32) >>> 0;
  LO = ((c16 << 16) | c00) >>> 0;
}

/** HI:LO = a + b mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  LO = lo >>> 0;
  HI = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** HI:LO = a rotated left by r bits, 0 < r < 32. */
function rotl(ah: number, al: number, r: number): void {
  HI = ((ah << r) | (al >>> (32 - r))) >>> 0;
  LO = ((al << r) | (ah >>> (32 - r))) >>> 0;
}

// The five XXH64 primes, as [high, low].
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** HI:LO = rotl(acc + input * P2, 31) * P1: one XXH64 round. */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, HI, LO);
  rotl(HI, LO, 31);
  mul(HI, LO, P1H, P1L);
}

/** HI:LO = (acc ^ round(0, v)) * P1 + P4. */
function merge(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul((acch ^ HI) >>> 0, (accl ^ LO) >>> 0, P1H, P1L);
  add(HI, LO, P4H, P4L);
}

/** The low 32 bits of XXH64(data, seed 0): what a zstd frame's content checksum holds. */
export function xxh64Low32(data: Uint8Array): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  let p = 0;
  let hh: number;
  let hl: number;
  if (len >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = HI;
    let v1l = LO;
    let v2h = P2H;
    let v2l = P2L;
    let v3h = 0;
    let v3l = 0;
    // 0 - P1 mod 2^64
    let v4h = 0x61c8864e;
    let v4l = 0x7a143579;
    for (; p + 32 <= len; p += 32) {
      round(v1h, v1l, view.getUint32(p + 4, true), view.getUint32(p, true));
      v1h = HI;
      v1l = LO;
      round(v2h, v2l, view.getUint32(p + 12, true), view.getUint32(p + 8, true));
      v2h = HI;
      v2l = LO;
      round(v3h, v3l, view.getUint32(p + 20, true), view.getUint32(p + 16, true));
      v3h = HI;
      v3l = LO;
      round(v4h, v4l, view.getUint32(p + 28, true), view.getUint32(p + 24, true));
      v4h = HI;
      v4l = LO;
    }
    rotl(v1h, v1l, 1);
    hh = HI;
    hl = LO;
    rotl(v2h, v2l, 7);
    add(hh, hl, HI, LO);
    hh = HI;
    hl = LO;
    rotl(v3h, v3l, 12);
    add(hh, hl, HI, LO);
    hh = HI;
    hl = LO;
    rotl(v4h, v4l, 18);
    add(hh, hl, HI, LO);
    merge(HI, LO, v1h, v1l);
    merge(HI, LO, v2h, v2l);
    merge(HI, LO, v3h, v3l);
    merge(HI, LO, v4h, v4l);
    hh = HI;
    hl = LO;
  } else {
    hh = P5H;
    hl = P5L;
  }
  add(hh, hl, Math.floor(len / 2 ** 32) >>> 0, len >>> 0);
  hh = HI;
  hl = LO;
  for (; p + 8 <= len; p += 8) {
    round(0, 0, view.getUint32(p + 4, true), view.getUint32(p, true));
    rotl((hh ^ HI) >>> 0, (hl ^ LO) >>> 0, 27);
    mul(HI, LO, P1H, P1L);
    add(HI, LO, P4H, P4L);
    hh = HI;
    hl = LO;
  }
  if (p + 4 <= len) {
    mul(0, view.getUint32(p, true), P1H, P1L);
    rotl((hh ^ HI) >>> 0, (hl ^ LO) >>> 0, 23);
    mul(HI, LO, P2H, P2L);
    add(HI, LO, P3H, P3L);
    hh = HI;
    hl = LO;
    p += 4;
  }
  for (; p < len; p++) {
    mul(0, data[p]!, P5H, P5L);
    rotl((hh ^ HI) >>> 0, (hl ^ LO) >>> 0, 11);
    mul(HI, LO, P1H, P1L);
    hh = HI;
    hl = LO;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L);
  hh = (HI ^ (HI >>> 29)) >>> 0;
  hl = (LO ^ ((LO >>> 29) | (HI << 3))) >>> 0;
  mul(hh, hl, P3H, P3L);
  return (LO ^ HI) >>> 0;
}

/** "./usr/bin/vim" -> "usr/bin/vim", "./usr/" -> "usr", "./" and "." -> "". */
function normalise(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

interface TarMember {
  header: tar.Header;
  path: string;
  data?: Buffer;
}

async function readTar(bytes: Buffer, what: string, member: string): Promise<TarMember[]> {
  const out: TarMember[] = [];
  const ex = tar.extract();
  try {
    const done = (async () => {
      for await (const entry of ex) {
        const parts: Buffer[] = [];
        for await (const c of entry) parts.push(c as Buffer);
        const path = normalise(entry.header.name);
        out.push({
          header: entry.header,
          path,
          // One part is a view of `bytes` (the tar is in memory whole): kept, not copied.
          ...(entry.header.type === 'file'
            ? { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts) }
            : {}),
        });
      }
    })();
    ex.end(bytes);
    await done;
  } catch (e) {
    throw new KuboxError(
      'integrity',
      `${what}: ${member} is not a readable tar archive: ${(e as Error).message}`,
      {
        hint: CORRUPT_HINT,
        cause: e,
      },
    );
  }
  return out;
}

function toEntry(m: TarMember, what: string): FileEntry | undefined {
  const h = m.header;
  if (m.path === '') return undefined;
  const common = {
    path: m.path,
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
  };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return { ...common, type: 'file', data: m.data ?? Buffer.alloc(0) };
    case 'directory':
      return { ...common, type: 'directory' };
    case 'symlink':
      return { ...common, type: 'symlink', linkname: h.linkname ?? '' };
    case 'link':
      return { ...common, type: 'hardlink', linkname: normalise(h.linkname ?? '') };
    default:
      throw new KuboxError(
        'build-failed',
        `${what}: ${m.path} is a ${h.type ?? 'special file'}, which an image layer built by kubox cannot hold`,
        { hint: 'leave this package out, or build with --engine buildx' },
      );
  }
}

/** Reads a .deb held in memory. `what` names it in errors ("vim_2:9.0.1378-2_amd64.deb"). */
export async function readDeb(bytes: Buffer, what: string): Promise<Deb> {
  const members = readAr(bytes, what);
  if (members[0]?.name !== 'debian-binary')
    throw new KuboxError(
      'integrity',
      `${what} is not a .deb: it does not start with debian-binary`,
      {
        hint: 'check the URL: it should serve a Debian binary package',
      },
    );
  const format = members[0].data.toString('latin1').trim();
  if (!format.startsWith('2.'))
    throw new KuboxError(
      'build-failed',
      `${what} is a format ${format} .deb, which kubox cannot read`,
      {
        hint: 'only format 2.x packages exist in current Debian',
      },
    );
  const controlMember = members.find((m) => /^control\.tar(\.\w+)?$/.test(m.name));
  const dataMember = members.find((m) => /^data\.tar(\.\w+)?$/.test(m.name));
  if (!controlMember || !dataMember)
    throw new KuboxError(
      'integrity',
      `${what} has no ${controlMember ? 'data.tar' : 'control.tar'} member`,
      {
        hint: CORRUPT_HINT,
      },
    );

  const [controlTar, dataTar] = await Promise.all([
    decompress(controlMember, what),
    decompress(dataMember, what),
  ]);
  const control = new Map<string, Buffer>();
  for (const m of await readTar(controlTar, what, controlMember.name)) {
    if (m.header.type !== 'file' || !m.data) continue;
    control.set(m.path.slice(m.path.lastIndexOf('/') + 1), m.data);
  }
  if (!control.has('control'))
    throw new KuboxError('integrity', `${what} has no control file in ${controlMember.name}`, {
      hint: CORRUPT_HINT,
    });
  const files: FileEntry[] = [];
  for (const m of await readTar(dataTar, what, dataMember.name)) {
    const e = toEntry(m, what);
    if (e) files.push(e);
  }
  checkMembers(files, what);
  return { control, files };
}

/**
 * Refuses data.tar members that dpkg would not unpack as plain files, or that
 * an image layer cannot carry as what they are:
 * - `..` parts (outside the root), and control characters (dpkg refuses a
 *   newline; the dpkg database is a list of lines);
 * - whiteout names (`.wh.` prefix): dpkg makes an ordinary file, but in a
 *   layer `.wh..wh..opq` empties the base's directory and `.wh.x` deletes x;
 * - a path below a symbolic link the same package made: in one layer its
 *   meaning depends on the extractor;
 * - a hard link to a path not earlier in data.tar (tar links only backward):
 *   the layer would not load.
 */
function checkMembers(files: readonly FileEntry[], what: string): void {
  const refuse = (path: string, why: string) =>
    new KuboxError('build-failed', `${what}: ${JSON.stringify(path)} ${why}`, {
      hint: 'this package cannot be installed into an image; leave it out or pin another version',
    });
  const symlinks = new Set<string>();
  const regular = new Set<string>();
  for (const f of files) {
    for (const name of [f.path, ...(f.type === 'hardlink' ? [f.linkname ?? ''] : [])]) {
      const parts = name.split('/');
      if (parts.includes('..')) throw refuse(name, 'has a ".." part, outside the root');
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(name))
        throw refuse(name, 'has a control character in its name (dpkg refuses such names)');
      if (parts.some((p) => p.startsWith('.wh.')))
        throw refuse(
          name,
          'is named like an OCI whiteout (".wh."), which would delete files of the base instead of being a file',
        );
    }
    for (let i = f.path.indexOf('/'); i > 0; i = f.path.indexOf('/', i + 1))
      if (symlinks.has(f.path.slice(0, i)))
        throw refuse(
          f.path,
          `is below ${JSON.stringify(f.path.slice(0, i))}, which this package makes a symbolic link`,
        );
    if (f.type === 'hardlink' && !regular.has(f.linkname ?? ''))
      throw refuse(
        f.path,
        `is a hard link to ${JSON.stringify(f.linkname)}, which is not a file earlier in the package: the image would not load`,
      );
    if (f.type === 'symlink') symlinks.add(f.path);
    else symlinks.delete(f.path);
    if (f.type === 'file') regular.add(f.path);
    else if (f.type !== 'hardlink') regular.delete(f.path);
  }
}
