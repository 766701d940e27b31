/**
 * readElf on tiny shared objects built in the test (both classes, both byte
 * orders) and on hostile ones: truncated at every length, offsets past the
 * end, a dynamic segment without its terminator, random corruption. None may
 * throw or hang; each must come back as a result or a skip with its reason.
 * readElfFile must agree with readElf while reading only a few pieces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bufferSource,
  EM_386,
  EM_AARCH64,
  readElf,
  type ByteSource,
} from '../../../src/elf/elf.js';
import { readElfFile } from '../../../src/elf/read-file.js';
import { buildElf } from '../../support/elf-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'kubox-elf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readElf', () => {
  it('reads class, byte order, machine, flags and DT_SONAME of a 64-bit little-endian object', () => {
    const got = readElf(bufferSource(buildElf({ soname: 'libfoo.so.1', flags: 0x1234 })));
    expect(got).toEqual({
      kind: 'elf',
      elfClass: 64,
      littleEndian: true,
      machine: 62,
      flags: 0x1234,
      soname: 'libfoo.so.1',
      needed: [],
    });
  });

  it('reads a 32-bit big-endian object and its DT_NEEDED names', () => {
    const got = readElf(
      bufferSource(
        buildElf({
          elfClass: 32,
          littleEndian: false,
          machine: EM_386,
          soname: 'libbar.so.2',
          needed: ['libc.so.6'],
          vaddr: 0x10000,
        }),
      ),
    );
    expect(got).toMatchObject({
      kind: 'elf',
      elfClass: 32,
      littleEndian: false,
      machine: EM_386,
      soname: 'libbar.so.2',
      needed: ['libc.so.6'],
    });
  });

  it('reads the x86 ISA level a GNU property note asks for', () => {
    expect(readElf(bufferSource(buildElf({ soname: 'libv3.so.1', x86Isa: 0b0111 })))).toMatchObject(
      {
        soname: 'libv3.so.1',
        x86IsaNeeded: 0b0111,
      },
    );
    expect(readElf(bufferSource(buildElf({ soname: 'libv0.so.1' })))).not.toHaveProperty(
      'x86IsaNeeded',
    );
  });

  it('has no soname when the object has no DT_SONAME', () => {
    const got = readElf(bufferSource(buildElf({ machine: EM_AARCH64 })));
    expect(got).toMatchObject({ kind: 'elf', machine: EM_AARCH64 });
    expect(got).not.toHaveProperty('soname');
  });

  it.each([
    ['not ELF', Buffer.alloc(100, 0x41), 'not an ELF file'],
    ['too small', buildElf().subarray(0, 63), 'smaller than an ELF header'],
    ['an executable', buildElf({ type: 2 }), 'not a shared object file (type 2)'],
    [
      'no DT_NULL',
      buildElf({ soname: 'libx.so.1', noNull: true }),
      'dynamic segment without DT_NULL',
    ],
  ])('skips %s', (_what, bytes, reason) => {
    expect(readElf(bufferSource(bytes))).toEqual({ kind: 'skip', reason });
  });

  it('skips every truncation of a valid object, never throwing', () => {
    const whole = buildElf({ soname: 'libtrunc.so.1', needed: ['libc.so.6'] });
    for (let n = 0; n < whole.length; n++) {
      const got = readElf(bufferSource(whole.subarray(0, n)));
      expect(got.kind).toBe('skip');
    }
  });

  it('skips hostile offsets: program headers, string table and names outside the file', () => {
    const phoff = buildElf();
    phoff.writeBigUInt64LE(0xfffffffffff0n, 32);
    expect(readElf(bufferSource(phoff))).toEqual({
      kind: 'skip',
      reason: 'truncated program headers',
    });

    const phnum = buildElf();
    phnum.writeUInt16LE(0xffff, 56);
    expect(readElf(bufferSource(phnum)).kind).toBe('skip');

    const strtab = buildElf({ soname: 'libx.so.1' });
    // The DT_STRTAB value (first dynamic entry) pointing far beyond the file.
    const dynOff = Number(strtab.readBigUInt64LE(64 + 56 + 8));
    strtab.writeBigUInt64LE(0x7fffffffn, dynOff + 8);
    expect(readElf(bufferSource(strtab))).toEqual({
      kind: 'skip',
      reason: 'dynamic string table outside the file',
    });

    const name = buildElf({ soname: 'libx.so.1' });
    name.writeBigUInt64LE(0x7fffffn, dynOff + 16 + 8); // DT_SONAME's offset
    expect(readElf(bufferSource(name))).toEqual({
      kind: 'skip',
      reason: 'DT_SONAME outside the file',
    });
  });

  it('skips a name without its NUL before the end of the file', () => {
    const b = buildElf({ soname: 'libx.so.1' });
    const dynOff = Number(b.readBigUInt64LE(64 + 56 + 8));
    // Point DT_SONAME at the last byte of the file, which is not NUL.
    b.writeBigUInt64LE(BigInt(b.length - 1 - (64 + 2 * 56)), dynOff + 16 + 8);
    b[b.length - 1] = 0x41;
    expect(readElf(bufferSource(b)).kind).toBe('skip');
  });

  it('survives random corruption without throwing', () => {
    const base = buildElf({ soname: 'libfuzz.so.1', needed: ['libc.so.6'], elfClass: 32 });
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 4; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      expect(() => readElf(bufferSource(b))).not.toThrow();
    }
  });
});

describe('readElfFile', () => {
  it('agrees with readElf, reading pieces rather than the whole file', async () => {
    const bytes = buildElf({ soname: 'libbig.so.3', pad: 3 * 1024 * 1024 });
    const path = join(dir, 'libbig.so.3');
    writeFileSync(path, bytes);
    expect(await readElfFile(path)).toEqual(readElf(bufferSource(bytes)));

    // The same reads through a source that counts them: a few KiB of a 3 MiB file.
    let read = 0;
    const counting: ByteSource = {
      size: bytes.length,
      read: (o, l) => {
        read += l;
        return bytes.subarray(o, o + l);
      },
    };
    expect(readElf(counting)).toMatchObject({ soname: 'libbig.so.3' });
    expect(read).toBeLessThan(4096);
  });

  it('gives a skip for a short or empty file', async () => {
    const path = join(dir, 'libempty.so');
    writeFileSync(path, Buffer.alloc(0));
    expect(await readElfFile(path)).toEqual({ kind: 'skip', reason: 'smaller than an ELF header' });
  });
});
