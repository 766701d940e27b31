/**
 * A zstd frame of raw (stored) blocks: a real frame per RFC 8878 that `zstd -d`
 * and fzstd decode, made without a zstd compressor (Node 20 has none).
 */
export function zstdStored(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])]; // magic, FHD, window 128 KiB
  const max = 128 * 1024;
  for (let off = 0; off < data.length || off === 0; off += max) {
    const block = data.subarray(off, off + max);
    const last = off + max >= data.length ? 1 : 0;
    const h = (block.length << 3) | last; // type 0: raw
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), block);
    if (last) break;
  }
  return Buffer.concat(parts);
}
