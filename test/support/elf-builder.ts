/**
 * Tiny ELF shared objects built byte by byte for tests: an ELF header, a
 * PT_LOAD and a PT_DYNAMIC program header, a dynamic segment (DT_STRTAB,
 * DT_NEEDED, DT_SONAME, DT_NULL) and its string table. Enough for ldconfig's
 * reading and nothing else; `pad` moves the dynamic segment past the first
 * pages, as in real libraries.
 */
export interface ElfSpec {
  elfClass?: 32 | 64;
  littleEndian?: boolean;
  machine?: number;
  flags?: number;
  type?: number;
  soname?: string;
  needed?: string[];
  /** Bytes between the program headers and the string table. */
  pad?: number;
  /** Leave out the DT_NULL terminator. */
  noNull?: boolean;
  /** Virtual address the single PT_LOAD maps offset 0 to. */
  vaddr?: number;
  /** Adds a PT_GNU_PROPERTY note with GNU_PROPERTY_X86_ISA_1_NEEDED set to this (64-bit only). */
  x86Isa?: number;
}

export function buildElf(spec: ElfSpec = {}): Buffer {
  const is64 = (spec.elfClass ?? 64) === 64;
  const le = spec.littleEndian ?? true;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phoff = ehsize;
  const phnum = spec.x86Isa !== undefined ? 3 : 2;
  const strOff = phoff + phnum * phentsize + (spec.pad ?? 0);
  const names = [...(spec.needed ?? []), ...(spec.soname !== undefined ? [spec.soname] : [])];
  const strings: number[] = [0];
  const at = new Map<string, number>();
  for (const n of names) {
    at.set(n, strings.length);
    strings.push(...Buffer.from(n, 'latin1'), 0);
  }
  const entSize = is64 ? 16 : 8;
  const dynOff = Math.ceil((strOff + strings.length) / 8) * 8;
  const dyn: [number, number][] = [[5, (spec.vaddr ?? 0) + strOff]];
  for (const n of spec.needed ?? []) dyn.push([1, at.get(n)!]);
  if (spec.soname !== undefined) dyn.push([14, at.get(spec.soname)!]);
  if (!spec.noNull) dyn.push([0, 0]);
  const noteOff = dynOff + dyn.length * entSize;
  // namesz 4, descsz 16, NT_GNU_PROPERTY_TYPE_0, "GNU\0", then one property padded to 8 bytes.
  const noteSize = spec.x86Isa !== undefined ? 12 + 4 + 16 : 0;
  const size = noteOff + noteSize;
  const b = Buffer.alloc(size);
  const u16 = (o: number, v: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (o: number, v: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const word = (o: number, v: number) =>
    is64 ? (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o)) : u32(o, v);
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  u16(16, spec.type ?? 3);
  u16(18, spec.machine ?? 62);
  u32(20, 1);
  word(is64 ? 32 : 28, phoff);
  u32(is64 ? 48 : 36, spec.flags ?? 0);
  u16(is64 ? 52 : 40, ehsize);
  u16(is64 ? 54 : 42, phentsize);
  u16(is64 ? 56 : 44, phnum);
  const ph = (i: number, type: number, offset: number, vaddr: number, filesz: number) => {
    const o = phoff + i * phentsize;
    u32(o, type);
    if (is64) {
      word(o + 8, offset);
      word(o + 16, vaddr);
      word(o + 24, vaddr);
      word(o + 32, filesz);
      word(o + 40, filesz);
    } else {
      u32(o + 4, offset);
      u32(o + 8, vaddr);
      u32(o + 12, vaddr);
      u32(o + 16, filesz);
      u32(o + 20, filesz);
    }
  };
  ph(0, 1, 0, spec.vaddr ?? 0, size);
  ph(1, 2, dynOff, (spec.vaddr ?? 0) + dynOff, dyn.length * entSize);
  if (spec.x86Isa !== undefined) {
    ph(2, 0x6474e553, noteOff, (spec.vaddr ?? 0) + noteOff, noteSize);
    word(phoff + 2 * phentsize + (is64 ? 48 : 28), 8); // p_align
    u32(noteOff, 4);
    u32(noteOff + 4, 16);
    u32(noteOff + 8, 5);
    b.write('GNU\0', noteOff + 12, 'latin1');
    u32(noteOff + 16, 0xc0008002);
    u32(noteOff + 20, 4);
    u32(noteOff + 24, spec.x86Isa);
  }
  b.set(strings, strOff);
  dyn.forEach(([tag, val], i) => {
    word(dynOff + i * entSize, tag);
    word(dynOff + i * entSize + entSize / 2, val);
  });
  return b;
}
