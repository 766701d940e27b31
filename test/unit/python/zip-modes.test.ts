/**
 * zipModes: the Unix permission bits of a zip's members, from its central
 * directory; and a zip whose central directory cannot be read is an error,
 * never a map that silently lacks the x bits.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { installWheel } from '../../../src/python/wheel.js';
import { zipModes } from '../../../src/python/zip-modes.js';
import { makeWheel } from './make-wheel.js';
import { PY313_X86 } from '../../support/python-target.js';

const enc = new TextEncoder();

function sampleZip(): Uint8Array {
  return zipSync({
    'pkg/run.sh': [enc.encode('#!/bin/sh\n'), { os: 3, attrs: (0o100755 << 16) >>> 0 }],
    'pkg/data.txt': [enc.encode('data\n'), { os: 3, attrs: (0o100644 << 16) >>> 0 }],
    'dos.txt': [enc.encode('dos\n'), { os: 0 }],
  });
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** The end-of-central-directory record of a zip without a comment: its last 22 bytes. */
const eocdOf = (b: Uint8Array) => b.length - 22;
const centralOf = (b: Uint8Array) => view(b).getUint32(eocdOf(b) + 16, true);
/** Flips the bits of the byte at `at`. */
const corrupt = (b: Uint8Array, at: number) => view(b).setUint8(at, view(b).getUint8(at) ^ 0xff);

/** The zip with `extra` inserted before its end-of-central-directory record. */
function beforeEocd(zip: Uint8Array, extra: Uint8Array): Uint8Array {
  const at = eocdOf(zip);
  const out = new Uint8Array(zip.length + extra.length);
  out.set(zip.subarray(0, at));
  out.set(extra, at);
  out.set(zip.subarray(at), at + extra.length);
  return out;
}

function zip64Locator(recordAt: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = view(b);
  v.setUint32(0, 0x07064b50, true);
  v.setBigUint64(8, BigInt(recordAt), true);
  v.setUint32(16, 1, true);
  return b;
}

function zip64Record(count: number, size: number, offset: number): Uint8Array {
  const b = new Uint8Array(56);
  const v = view(b);
  v.setUint32(0, 0x06064b50, true);
  v.setBigUint64(4, 44n, true);
  v.setUint16(12, 45, true);
  v.setUint16(14, 45, true);
  v.setBigUint64(24, BigInt(count), true);
  v.setBigUint64(32, BigInt(count), true);
  v.setBigUint64(40, BigInt(size), true);
  v.setBigUint64(48, BigInt(offset), true);
  return b;
}

function expectUnreadable(zip: Uint8Array, reason: RegExp): void {
  let caught: unknown;
  try {
    zipModes(zip, 'demo.whl');
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KuboxError);
  const err = caught as KuboxError;
  expect(err.kind).toBe('integrity');
  expect(err.message).toMatch(/^demo\.whl is not a readable zip: /);
  expect(err.message).toMatch(reason);
  expect(err.hint).toBeTruthy();
}

describe('zipModes', () => {
  it('reads the permission bits of the members written on Unix', () => {
    const modes = zipModes(sampleZip());
    expect(modes.get('pkg/run.sh')).toBe(0o755);
    expect(modes.get('pkg/data.txt')).toBe(0o644);
    expect(modes.has('dos.txt')).toBe(false);
  });

  it('an empty zip has no modes, and is no error', () => {
    expect(zipModes(zipSync({})).size).toBe(0);
  });

  it('reads a zip64 end-of-central-directory record', () => {
    const zip = sampleZip();
    const eocd = eocdOf(zip);
    const central = centralOf(zip);
    const count = view(zip).getUint16(eocd + 10, true);
    const record = zip64Record(count, eocd - central, central);
    const z64 = beforeEocd(
      zip,
      new Uint8Array([...record, ...zip64Locator(eocd)]), // the record starts where the EOCD was
    );
    const v = view(z64);
    const newEocd = eocdOf(z64);
    v.setUint16(newEocd + 8, 0xffff, true);
    v.setUint16(newEocd + 10, 0xffff, true);
    v.setUint32(newEocd + 16, 0xffffffff, true);
    expect(zipModes(z64).get('pkg/run.sh')).toBe(0o755);
  });

  it('no end-of-central-directory record (truncated, or not a zip at all)', () => {
    const zip = sampleZip();
    expectUnreadable(zip.subarray(0, zip.length - 22), /no end-of-central-directory record/);
    expectUnreadable(enc.encode('not a zip'), /no end-of-central-directory record/);
    expectUnreadable(new Uint8Array(0), /no end-of-central-directory record/);
  });

  it('a zip64 locator that points to no zip64 record', () => {
    const zip = beforeEocd(sampleZip(), zip64Locator(0)); // offset 0 is a local header
    view(zip).setUint32(eocdOf(zip) + 16, 0xffffffff, true);
    expectUnreadable(zip, /zip64 locator points to no zip64 end-of-central-directory record/);
    const past = beforeEocd(sampleZip(), zip64Locator(0x7fffffff));
    expectUnreadable(past, /zip64 locator/);
  });

  it('a zip64 offset without a zip64 record', () => {
    const zip = sampleZip();
    view(zip).setUint32(eocdOf(zip) + 16, 0xffffffff, true);
    expectUnreadable(zip, /needs a zip64 end-of-central-directory record and has none/);
  });

  it('a central directory that starts past the end', () => {
    const zip = sampleZip();
    view(zip).setUint32(eocdOf(zip) + 16, zip.length + 100, true);
    expectUnreadable(zip, /central directory starts at \d+, past its end/);
  });

  it('a central directory entry without its signature', () => {
    const zip = sampleZip();
    corrupt(zip, centralOf(zip));
    expectUnreadable(zip, /central directory entry 1 of 3 \(at \d+\) has no entry signature/);
    const second = sampleZip();
    const p = centralOf(second);
    const v = view(second);
    const next = p + 46 + v.getUint16(p + 28, true) + v.getUint16(p + 30, true);
    corrupt(second, next + v.getUint16(p + 32, true));
    expectUnreadable(second, /central directory entry 2 of 3 \(at \d+\) has no entry signature/);
  });

  it('a truncated central directory', () => {
    // The directory starts too close to the end to hold an entry.
    const short = sampleZip();
    view(short).setUint32(eocdOf(short) + 16, eocdOf(short) - 10, true);
    expectUnreadable(short, /central directory is truncated \(entry 1 of 3\)/);
    // An entry's name runs past the end of the file.
    const long = sampleZip();
    view(long).setUint16(centralOf(long) + 28, 0xffff, true);
    expectUnreadable(long, /central directory is truncated \(entry 1 of 3\)/);
    // More entries counted than there are: the directory ends before the last.
    const more = sampleZip();
    view(more).setUint16(eocdOf(more) + 10, 4, true);
    expectUnreadable(more, /central directory is truncated \(entry 4 of 4\)/);
  });
});

describe('installWheel with an unreadable central directory', () => {
  const target = PY313_X86;

  it('is an error naming the wheel, not scripts without their x bit', () => {
    const wheel = makeWheel({
      name: 'demo-tool',
      version: '1.0',
      files: { 'demo_tool/run.sh': '#!/bin/sh\n' },
      executable: ['demo_tool/run.sh'],
    });
    const bytes = wheel.bytes.slice();
    // fflate reads entries without checking their signature; zipModes does not let it pass.
    corrupt(bytes, centralOf(bytes));
    let caught: unknown;
    try {
      installWheel(bytes, wheel.filename, target);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KuboxError);
    expect((caught as KuboxError).kind).toBe('integrity');
    expect((caught as KuboxError).message).toContain(
      `${wheel.filename} is not a readable zip: central directory entry 1 of`,
    );
  });
});
