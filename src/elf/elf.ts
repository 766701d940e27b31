/**
 * The few facts ldconfig reads from an ELF file, and nothing else: class,
 * byte order, machine, e_flags, whether it is a shared object (ET_DYN with a
 * dynamic segment and a string table) and its DT_SONAME and DT_NEEDED names.
 * Pure: it asks a `ByteSource` for byte ranges, so a caller can hand it a
 * buffer it already holds or read a file piecewise (see read-file.ts). Every
 * offset comes from the file, so every read is bounds-checked: a truncated or
 * hostile file gives a `skip` with the reason, never a throw or a long loop.
 */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ET_DYN = 3;
export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_GNU_PROPERTY = 0x6474e553;
const NT_GNU_PROPERTY_TYPE_0 = 5;
const GNU_PROPERTY_X86_ISA_1_NEEDED = 0xc0008002;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_SONAME = 14;

/** A 64-bit ldconfig skips any file shorter than its own Elf64_Ehdr (readlib.c). */
export const MIN_ELF_SIZE = 64;
/** More program headers than this is no library a linker wrote (real ones have < 20). */
const MAX_PHNUM = 4096;
/** A dynamic segment bigger than this is not read (real ones are a few hundred bytes). */
const MAX_DYNAMIC = 1 << 20;
/** A DT_SONAME or DT_NEEDED string longer than this is not a name. */
const MAX_NAME = 4096;
const MAX_NEEDED = 1024;

export interface ByteSource {
  /** The file's size in bytes. */
  readonly size: number;
  /**
   * Bytes [offset, offset + length), clipped at the end of the file. May
   * throw `NeedBytes` to ask an asynchronous caller to load them first.
   */
  read(offset: number, length: number): Uint8Array;
}

/** Thrown by a ByteSource that does not hold a range yet (see read-file.ts). */
export class NeedBytes {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

export interface ElfSharedObject {
  kind: 'elf';
  elfClass: 32 | 64;
  littleEndian: boolean;
  machine: number;
  /** e_flags: the ARM float ABI lives here. */
  flags: number;
  soname?: string;
  /** DT_NEEDED names, read for 32-bit objects only (64-bit ones never need them). */
  needed: string[];
  /** GNU_PROPERTY_X86_ISA_1_NEEDED as ldconfig finds it (x86 ISA levels, bit 0 baseline). */
  x86IsaNeeded?: number;
}

export interface ElfSkip {
  kind: 'skip';
  /** Why ldconfig would not take it, for a warning naming the file. */
  reason: string;
}

export type ElfResult = ElfSharedObject | ElfSkip;

const skip = (reason: string): ElfSkip => ({ kind: 'skip', reason });

/** The file view with the header's byte order and class, every read checked. */
class Reader {
  constructor(
    private readonly src: ByteSource,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}

  /** `length` bytes at `offset`, or undefined when they are not all inside the file. */
  bytes(offset: number, length: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0) return undefined;
    if (offset + length > this.src.size) return undefined;
    const b = this.src.read(offset, length);
    return b.length === length ? b : undefined;
  }

  private view(offset: number, length: number): DataView | undefined {
    const b = this.bytes(offset, length);
    return b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : undefined;
  }

  u16(offset: number): number | undefined {
    return this.view(offset, 2)?.getUint16(0, this.le);
  }

  u32(offset: number): number | undefined {
    return this.view(offset, 4)?.getUint32(0, this.le);
  }

  /** An address-sized word; values past 2^53 come back as undefined (no file is that big). */
  word(offset: number): number | undefined {
    if (!this.is64) return this.u32(offset);
    const v = this.view(offset, 8)?.getBigUint64(0, this.le);
    return v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
  }

  /** A signed address-sized word (d_tag), as a number; huge tags are just unknown tags. */
  sword(offset: number): number | undefined {
    if (!this.is64) return this.view(offset, 4)?.getInt32(0, this.le);
    const v = this.view(offset, 8)?.getBigInt64(0, this.le);
    if (v === undefined) return undefined;
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)
      ? Number.MAX_SAFE_INTEGER
      : Number(v);
  }

  /** A NUL-terminated string starting at `offset`, read in small pieces, at most MAX_NAME bytes. */
  cstring(offset: number): string | undefined {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.src.size) return undefined;
    const parts: Uint8Array[] = [];
    let at = offset;
    while (at - offset < MAX_NAME && at < this.src.size) {
      const len = Math.min(256, this.src.size - at);
      const chunk = this.src.read(at, len);
      if (chunk.length === 0) return undefined;
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return Buffer.concat(parts).toString('latin1');
      }
      parts.push(chunk);
      at += chunk.length;
    }
    return undefined;
  }
}

interface Phdr {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  align: number;
}

function programHeaders(r: Reader, phoff: number, phnum: number): Phdr[] | undefined {
  const size = r.is64 ? 56 : 32;
  const out: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * size;
    const type = r.u32(at);
    // p_offset, p_vaddr, p_filesz: their places differ between the classes.
    const offset = r.is64 ? r.word(at + 8) : r.word(at + 4);
    const vaddr = r.is64 ? r.word(at + 16) : r.word(at + 8);
    const filesz = r.is64 ? r.word(at + 32) : r.word(at + 16);
    const align = r.is64 ? r.word(at + 48) : r.word(at + 28);
    if (
      type === undefined ||
      offset === undefined ||
      vaddr === undefined ||
      filesz === undefined ||
      align === undefined
    )
      return undefined;
    out.push({ type, offset, vaddr, filesz, align });
  }
  return out;
}

/**
 * The x86 ISA level a PT_GNU_PROPERTY note asks for, walked as readelflib.c
 * does: notes aligned to the class's word, one NT_GNU_PROPERTY_TYPE_0 "GNU"
 * note, properties in ascending type order, and a stop at the first
 * malformed piece. (Its PT_INTERP case falls through into the same code.)
 */
function x86IsaNeeded(r: Reader, phdrs: readonly Phdr[]): number | undefined {
  const word = r.is64 ? 8 : 4;
  const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;
  for (const p of phdrs) {
    if ((p.type !== PT_GNU_PROPERTY && p.type !== PT_INTERP) || p.align !== word) continue;
    let note = p.offset;
    while (note + 12 - p.offset < p.filesz) {
      const namesz = r.u32(note);
      const descsz = r.u32(note + 4);
      const type = r.u32(note + 8);
      if (namesz === undefined || descsz === undefined || type === undefined) return undefined;
      const name = r.bytes(note + 12, 4);
      if (
        namesz === 4 &&
        type === NT_GNU_PROPERTY_TYPE_0 &&
        name &&
        Buffer.from(name).equals(Buffer.from('GNU\0'))
      ) {
        if (descsz < 8 || descsz % word !== 0) return undefined;
        let ptr = note + 16;
        const end = ptr + descsz;
        let last = 0;
        do {
          const ptype = r.u32(ptr);
          const datasz = r.u32(ptr + 4);
          if (ptype === undefined || datasz === undefined || ptype < last) return undefined;
          ptr += 8;
          if (ptr + datasz > end) return undefined;
          last = ptype;
          if (ptype === GNU_PROPERTY_X86_ISA_1_NEEDED) return datasz === 4 ? r.u32(ptr) : undefined;
          if (ptype > GNU_PROPERTY_X86_ISA_1_NEEDED) return undefined;
          ptr += alignUp(datasz, word);
        } while (end - ptr >= 8);
        return undefined; // only the first NT_GNU_PROPERTY_TYPE_0 counts
      }
      note += 12 + alignUp(namesz, p.align) + alignUp(descsz, p.align);
    }
  }
  return undefined;
}

/**
 * What ldconfig's readelflib.c finds in `src`: a shared object with its
 * names, or why it is skipped (not ELF, not ET_DYN, no dynamic segment or
 * string table, truncated). Never throws for any input, except a
 * `NeedBytes` from the source itself.
 */
export function readElf(src: ByteSource): ElfResult {
  if (src.size < MIN_ELF_SIZE) return skip('smaller than an ELF header');
  const ident = src.read(0, 16);
  if (
    ident.length < 16 ||
    ident[0] !== 0x7f ||
    ident[1] !== 0x45 ||
    ident[2] !== 0x4c ||
    ident[3] !== 0x46
  )
    return skip('not an ELF file');
  const elfClass = ident[4];
  if (elfClass !== ELFCLASS32 && elfClass !== ELFCLASS64)
    return skip(`unknown ELF class ${elfClass}`);
  const data = ident[5];
  if (data !== 1 && data !== 2) return skip(`unknown ELF byte order ${data}`);
  const is64 = elfClass === ELFCLASS64;
  const r = new Reader(src, data === 1, is64);
  const type = r.u16(16);
  const machine = r.u16(18);
  const phoff = r.word(is64 ? 32 : 28);
  const flags = r.u32(is64 ? 48 : 36);
  const phnum = r.u16(is64 ? 56 : 44);
  if (
    type === undefined ||
    machine === undefined ||
    phoff === undefined ||
    flags === undefined ||
    phnum === undefined
  )
    return skip('truncated ELF header');
  if (type !== ET_DYN) return skip(`not a shared object file (type ${type})`);
  if (phnum > MAX_PHNUM) return skip(`${phnum} program headers`);
  const phdrs = programHeaders(r, phoff, phnum);
  if (!phdrs) return skip('truncated program headers');
  // ldconfig keeps the last PT_DYNAMIC it sees.
  const dynamic = phdrs.filter((p) => p.type === PT_DYNAMIC).at(-1);
  if (!dynamic || dynamic.filesz === 0) return skip('no dynamic segment');
  const entSize = is64 ? 16 : 8;
  const dynEnd = Math.min(dynamic.offset + Math.min(dynamic.filesz, MAX_DYNAMIC), src.size);
  const entries: { tag: number; val: number }[] = [];
  let terminated = false;
  for (let at = dynamic.offset; at + entSize <= dynEnd; at += entSize) {
    const tag = r.sword(at);
    const val = r.word(at + entSize / 2);
    if (tag === undefined || val === undefined) return skip('truncated dynamic segment');
    if (tag === DT_NULL) {
      terminated = true;
      break;
    }
    entries.push({ tag, val });
  }
  if (!terminated) return skip('dynamic segment without DT_NULL');
  const strtab = entries.find((e) => e.tag === DT_STRTAB);
  if (!strtab) return skip('no dynamic string table');
  // DT_STRTAB is an address: the PT_LOAD segment holding it maps it to a file offset.
  const load = phdrs.find(
    (p) => p.type === PT_LOAD && strtab.val >= p.vaddr && strtab.val - p.vaddr < p.filesz,
  );
  const strOffset = strtab.val - (load ? load.vaddr - load.offset : 0);
  if (strOffset < 0 || strOffset > src.size) return skip('dynamic string table outside the file');
  const name = (val: number) => r.cstring(strOffset + val);
  let soname: string | undefined;
  const needed: string[] = [];
  for (const e of entries) {
    if (e.tag === DT_SONAME && soname === undefined) {
      soname = name(e.val);
      if (soname === undefined) return skip('DT_SONAME outside the file');
    } else if (e.tag === DT_NEEDED && !is64 && needed.length < MAX_NEEDED) {
      // Only a 32-bit object's class depends on what it links (see ld-so-cache.ts).
      const n = name(e.val);
      if (n === undefined) return skip('DT_NEEDED outside the file');
      needed.push(n);
    }
  }
  const isa = x86IsaNeeded(r, phdrs);
  return {
    kind: 'elf',
    ...(isa !== undefined ? { x86IsaNeeded: isa } : {}),
    elfClass: is64 ? 64 : 32,
    littleEndian: data === 1,
    machine,
    flags,
    ...(soname !== undefined ? { soname } : {}),
    needed,
  };
}

/** A ByteSource over bytes already in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.length)),
  };
}
