/**
 * readElf over a file on disk, reading only the ranges it asks for (the
 * header, the program headers, the dynamic segment, a few names): a 5 MB
 * library costs a few 4 KiB reads, not 5 MB of memory.
 */
import { open } from 'node:fs/promises';
import { NeedBytes, readElf, type ElfResult } from './elf.js';

const CHUNK = 4096;
/** readElf asks for the header, program headers, dynamic segment and names: a few rounds. */
const MAX_ROUNDS = 64;

export async function readElfFile(path: string): Promise<ElfResult> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const chunks = new Map<number, Uint8Array>();
    const source = {
      size,
      read(offset: number, length: number): Uint8Array {
        const end = Math.min(offset + length, size);
        if (end <= offset) return new Uint8Array(0);
        const first = Math.floor(offset / CHUNK);
        const last = Math.floor((end - 1) / CHUNK);
        const parts: Uint8Array[] = [];
        for (let c = first; c <= last; c++) {
          const chunk = chunks.get(c);
          if (!chunk) throw new NeedBytes(c * CHUNK, (last - c + 1) * CHUNK);
          parts.push(chunk);
        }
        const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        return all.subarray(offset - first * CHUNK, end - first * CHUNK);
      },
    };
    for (let round = 0; ; round++) {
      try {
        return readElf(source);
      } catch (e) {
        if (!(e instanceof NeedBytes)) throw e;
        if (round >= MAX_ROUNDS) return { kind: 'skip', reason: 'too many scattered reads' };
        // Load the missing chunks (a dynamic segment may span a few), never past the end.
        const length = Math.min(e.length, size - e.offset, 1 << 20);
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, e.offset);
        for (let at = 0; at < bytesRead; at += CHUNK)
          chunks.set((e.offset + at) / CHUNK, buf.subarray(at, Math.min(at + CHUNK, bytesRead)));
        if (bytesRead === 0) return { kind: 'skip', reason: 'file shrank while read' };
      }
    }
  } finally {
    await fh.close();
  }
}
