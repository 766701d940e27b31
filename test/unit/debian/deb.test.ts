import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import lzma from '@napi-rs/lzma';
import { execa } from 'execa';
import { decompress as fzstd } from 'fzstd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAr, readDeb, unzstd, xxh64Low32 } from '../../../src/debian/deb.js';
import { KuboxError } from '../../../src/errors.js';
import { zstdStored } from '../../support/zstd-stored.js';
import { ar } from '../../support/ar.js';

type Compression = 'gzip' | 'xz' | 'zstd';
const COMPRESSIONS: Compression[] = ['gzip', 'xz', 'zstd'];

/** Builds a real .deb with dpkg-deb, the way Debian's own packages are built (reproducibly). */
async function buildDeb(dir: string, compression: Compression): Promise<Buffer> {
  const root = join(dir, `pkg-${compression}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    'Package: kubox-test\nVersion: 1.0-1\nArchitecture: all\nMaintainer: kubox <kubox@example.org>\nDescription: test package\n',
  );
  writeFileSync(join(root, 'DEBIAN', 'postinst'), '#!/bin/sh\necho configured\n');
  chmodSync(join(root, 'DEBIAN', 'postinst'), 0o755);
  writeFileSync(join(root, 'DEBIAN', 'conffiles'), '/etc/kubox-test.conf\n');
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'kubox-test.conf'), 'setting = 1\n');
  writeFileSync(join(root, 'usr', 'bin', 'kubox-test'), '#!/bin/sh\necho hello\n');
  chmodSync(join(root, 'usr', 'bin', 'kubox-test'), 0o4755);
  linkSync(join(root, 'usr', 'bin', 'kubox-test'), join(root, 'usr', 'bin', 'kubox-test-again'));
  symlinkSync('kubox-test', join(root, 'usr', 'bin', 'kt'));
  const out = join(dir, `kubox-test-${compression}.deb`);
  await execa('dpkg-deb', [`-Z${compression}`, '--root-owner-group', '--build', root, out], {
    // Clamps every mtime: the same bytes on every run with the same dpkg and compressors.
    env: { SOURCE_DATE_EPOCH: '1700000000' },
  });
  return readFileSync(out);
}

let dir: string;
const debs = new Map<string, Buffer>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-deb-'));
  for (const c of COMPRESSIONS) debs.set(c, await buildDeb(dir, c));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readAr', () => {
  it('splits members, skipping the padding after odd sizes', () => {
    const members = readAr(
      ar([
        { name: 'debian-binary', data: Buffer.from('2.0\n') },
        { name: 'odd', data: Buffer.from('abc') },
        { name: 'last', data: Buffer.from('xy') },
      ]),
      'test.deb',
    );
    expect(members.map((m) => [m.name, m.data.toString()])).toEqual([
      ['debian-binary', '2.0\n'],
      ['odd', 'abc'],
      ['last', 'xy'],
    ]);
  });

  it('names the package when the container is not ar or is cut short', () => {
    expect(() => readAr(Buffer.from('PK\x03\x04 not an ar'), 'x_1.0_all.deb')).toThrow(
      'x_1.0_all.deb is not a valid .deb: no ar header',
    );
    const whole = ar([{ name: 'debian-binary', data: Buffer.from('2.0\n') }]);
    expect(() => readAr(whole.subarray(0, whole.length - 2), 'x_1.0_all.deb')).toThrow(
      /x_1\.0_all\.deb .*truncated/,
    );
  });
});

describe('readDeb', () => {
  it.each(['gzip', 'xz', 'zstd'])('reads a dpkg-deb -Z%s package', async (c) => {
    const members = readAr(debs.get(c)!, 'x').map((m) => m.name);
    const ext = c === 'gzip' ? '.gz' : c === 'xz' ? '.xz' : '.zst';
    expect(members).toEqual(['debian-binary', `control.tar${ext}`, `data.tar${ext}`]);

    const deb = await readDeb(debs.get(c)!, `kubox-test_1.0-1_all.deb (${c})`);
    expect(deb.control.get('control')!.toString()).toContain('Package: kubox-test\n');
    expect(deb.control.get('postinst')!.toString()).toBe('#!/bin/sh\necho configured\n');
    expect(deb.control.get('conffiles')!.toString()).toBe('/etc/kubox-test.conf\n');

    const byPath = new Map(deb.files.map((f) => [f.path, f]));
    // No "./", no trailing "/", no root entry; parents before children, as in the archive.
    expect(deb.files.every((f) => f.path && !f.path.startsWith('.') && !f.path.endsWith('/'))).toBe(
      true,
    );
    expect(deb.files.map((f) => f.path).indexOf('usr')).toBeLessThan(
      deb.files.map((f) => f.path).indexOf('usr/bin'),
    );
    expect(byPath.get('usr/bin')).toMatchObject({ type: 'directory', uid: 0, gid: 0 });
    const bin = byPath.get('usr/bin/kubox-test')!;
    expect(bin).toMatchObject({ type: 'file', mode: 0o4755, uid: 0, gid: 0 });
    expect(Buffer.from(bin.data!).toString()).toBe('#!/bin/sh\necho hello\n');
    expect(byPath.get('usr/bin/kt')).toMatchObject({ type: 'symlink', linkname: 'kubox-test' });
    // tar stores the second name of a hard-linked file as a link to the first.
    const again = byPath.get('usr/bin/kubox-test-again')!;
    expect(again.type).toBe('hardlink');
    expect(again.linkname).toBe('usr/bin/kubox-test');
    expect(byPath.get('etc/kubox-test.conf')).toMatchObject({ type: 'file', mode: 0o644 });
  });

  it('says which package uses a compression it cannot read', async () => {
    const [bin, control] = readAr(debs.get('gzip')!, 'x');
    const bz2 = ar([bin!, control!, { name: 'data.tar.bz2', data: Buffer.from('BZh91AY&SY') }]);
    const err = (await readDeb(bz2, 'old_1.0_all.deb').catch((e: unknown) => e)) as KuboxError;
    expect(err.kind).toBe('build-failed');
    expect(err.message).toBe(
      'old_1.0_all.deb: data.tar.bz2 uses a compression kubox cannot read (bz2)',
    );
  });

  it('refuses something that is not a Debian package', async () => {
    const notDeb = ar([{ name: 'foo.o', data: Buffer.from('x') }]);
    await expect(readDeb(notDeb, 'foo.deb')).rejects.toThrow(
      'foo.deb is not a .deb: it does not start with debian-binary',
    );
  });
});

/** Where one ar member of a .deb is: its 60-byte header, then `size` bytes of data. */
interface Span {
  name: string;
  header: number;
  start: number;
  size: number;
}

/** The members of an ar archive, read here independently of readAr. */
function spans(deb: Buffer): Span[] {
  const out: Span[] = [];
  for (let off = 8; off + 60 <= deb.length;) {
    const name = deb
      .toString('latin1', off, off + 16)
      .trimEnd()
      .replace(/\/$/, '');
    const size = Number(deb.toString('latin1', off + 48, off + 58).trim());
    out.push({ name, header: off, start: off + 60, size });
    off += 60 + size + (size % 2);
  }
  return out;
}

function span(deb: Buffer, tar: 'control' | 'data'): Span {
  const s = spans(deb).find((m) => m.name.startsWith(`${tar}.tar`));
  if (!s) throw new Error(`no ${tar}.tar member`);
  return s;
}

/** The same archive with one member's data replaced. */
function withMember(deb: Buffer, name: string, data: Buffer): Buffer {
  return ar(
    spans(deb).map((m) => ({
      name: m.name,
      data: m.name === name ? data : deb.subarray(m.start, m.start + m.size),
    })),
  );
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Decoders and encoders other than the reader's own, to take a member apart and put it back. */
const codecs: Record<
  Compression,
  { ext: string; unpack: (b: Buffer) => Promise<Buffer>; pack: (b: Buffer) => Promise<Buffer> }
> = {
  gzip: { ext: '.gz', unpack: (b) => gunzipAsync(b), pack: (b) => gzipAsync(b) },
  xz: {
    ext: '.xz',
    unpack: async (b) => Buffer.from(await lzma.xz.decompress(b)),
    pack: async (b) => Buffer.from(await lzma.xz.compress(b)),
  },
  zstd: {
    ext: '.zst',
    unpack: async (b) => Buffer.from(fzstd(b)),
    pack: async (b) => zstdStored(b),
  },
};

/** The offset of the 512-byte header of the tar entry named `name` (as stored: "./control"). */
function tarHeaderOf(tar: Buffer, name: string): number {
  const field = (off: number, len: number) =>
    tar.toString('latin1', off, off + len).replace(/\0.*$/s, '');
  for (let off = 0; off + 512 <= tar.length;) {
    if (tar.subarray(off, off + 512).every((b) => b === 0)) break; // end of archive
    if (field(off, 100) === name) return off;
    const size = Number.parseInt(field(off + 124, 12).trim() || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no entry ${name} in the tar`);
}

describe('readDeb refuses a corrupt package, wherever the corruption is', () => {
  const WHAT = 'vim_2:9.0_amd64.deb';
  /** The entry whose tar header each test corrupts, in each member. */
  const ENTRY = { control: './control', data: './usr/bin/kubox-test' } as const;
  const cases = COMPRESSIONS.flatMap((c) =>
    (['control', 'data'] as const).map((t) => [c, t] as const),
  );

  async function refusal(bytes: Buffer): Promise<KuboxError> {
    const err = await readDeb(bytes, WHAT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'readDeb accepted a corrupt package').toBeInstanceOf(KuboxError);
    const k = err as KuboxError;
    expect(k.kind, k.message).toBe('integrity');
    expect(k.message).toContain(WHAT);
    expect(k.hint).toMatch(/truncated or corrupt|not a Debian binary package|should serve/);
    return k;
  }

  /** The deb with one tar member decompressed, changed by `edit`, and compressed again. */
  async function repacked(c: Compression, t: 'control' | 'data', edit: (tar: Buffer) => void) {
    const deb = debs.get(c)!;
    const s = span(deb, t);
    const tar = await codecs[c].unpack(deb.subarray(s.start, s.start + s.size));
    edit(tar);
    return withMember(deb, s.name, await codecs[c].pack(tar));
  }

  it.each(cases)(
    '%s: reads %s.tar taken apart and put back unchanged (the harness)',
    async (c, t) => {
      const deb = await repacked(c, t, () => {});
      const read = await readDeb(deb, WHAT);
      expect(read.control.get('control')!.toString()).toContain('Package: kubox-test\n');
      expect(read.files.map((f) => f.path)).toContain('usr/bin/kubox-test');
    },
  );

  it.each(cases)('%s: refuses %s.tar whose tar header checksum field is wrong', async (c, t) => {
    const deb = await repacked(c, t, (tar) => {
      const h = tarHeaderOf(tar, ENTRY[t]);
      const stored = Number.parseInt(tar.toString('latin1', h + 148, h + 154), 8);
      tar.write(`${(stored + 1).toString(8).padStart(6, '0')}\0 `, h + 148, 'latin1');
    });
    const err = await refusal(deb);
    expect(err.message).toContain(`${t}.tar${codecs[c].ext} is not a readable tar archive`);
  });

  it.each(cases)(
    '%s: refuses %s.tar with a tar header changed under its checksum',
    async (c, t) => {
      const deb = await repacked(c, t, (tar) => {
        const h = tarHeaderOf(tar, ENTRY[t]);
        tar[h + 108 + 5]! ^= 0x01; // one digit of the uid field: "0000000" -> "0000010"
      });
      const err = await refusal(deb);
      expect(err.message).toContain(`${t}.tar${codecs[c].ext} is not a readable tar archive`);
    },
  );

  const where = {
    first: (s: Span) => s.start,
    middle: (s: Span) => s.start + Math.floor(s.size / 2),
    last: (s: Span) => s.start + s.size - 1,
  };
  it.each(cases.flatMap(([c, t]) => Object.keys(where).map((w) => [c, t, w] as const)))(
    '%s: refuses %s.tar with the %s byte of its compressed stream flipped',
    async (c, t, w) => {
      const deb = Buffer.from(debs.get(c)!);
      deb[where[w as keyof typeof where](span(deb, t))]! ^= 0xff;
      const err = await refusal(deb);
      expect(err.message).toContain(`${t}.tar${codecs[c].ext} does not decompress`);
    },
  );

  /** The deb with the ar size field of one member rewritten (the data left as it is). */
  function withSizeField(deb: Buffer, s: Span, field: string): Buffer {
    const out = Buffer.from(deb);
    out.write(field.padEnd(10), s.header + 48, 'latin1');
    return out;
  }

  it.each(cases.flatMap(([c, t]) => [-2, -1, 1, 2].map((d) => [c, t, d] as const)))(
    '%s: refuses %s.tar whose ar size field is off by %i',
    async (c, t, delta) => {
      const deb = debs.get(c)!;
      const s = span(deb, t);
      await refusal(withSizeField(deb, s, String(s.size + delta)));
    },
  );

  it.each(cases)('%s: refuses %s.tar whose ar size field is not a number', async (c, t) => {
    const deb = debs.get(c)!;
    const s = span(deb, t);
    const err = await refusal(withSizeField(deb, s, `${s.size}x`));
    expect(err.message).toContain(`member "${s.name}" has no valid size`);
  });

  const cuts = {
    'inside the ar magic': () => 4,
    'inside the control.tar member header': (deb: Buffer) => span(deb, 'control').header + 30,
    'inside the control.tar data': (deb: Buffer) => where.middle(span(deb, 'control')),
    'just before the data.tar member': (deb: Buffer) => span(deb, 'data').header,
    'inside the data.tar member header': (deb: Buffer) => span(deb, 'data').header + 30,
    'inside the data.tar data': (deb: Buffer) => where.middle(span(deb, 'data')),
    'one byte short of the end of data.tar': (deb: Buffer) => where.last(span(deb, 'data')),
  };
  it.each(COMPRESSIONS.flatMap((c) => Object.keys(cuts).map((k) => [c, k] as const)))(
    '%s: refuses a package cut %s',
    async (c, k) => {
      const deb = debs.get(c)!;
      await refusal(deb.subarray(0, cuts[k as keyof typeof cuts](deb)));
    },
  );

  it('refuses an empty compressed member', async () => {
    const deb = debs.get('xz')!;
    const err = await refusal(withMember(deb, 'data.tar.xz', Buffer.alloc(0)));
    expect(err.message).toBe(`${WHAT}: data.tar.xz is empty`);
  });

  it('refuses zeros after the gzip stream, which zlib alone would drop', async () => {
    const deb = debs.get('gzip')!;
    const s = span(deb, 'data');
    const padded = Buffer.concat([deb.subarray(s.start, s.start + s.size), Buffer.alloc(4)]);
    const err = await refusal(withMember(deb, s.name, padded));
    expect(err.message).toContain('4 bytes after the end of the gzip stream');
  });
});

describe('unzstd: what fzstd alone does not check', () => {
  /** dpkg-deb's data.tar.zst: one frame with a content size and a content checksum. */
  const frame = () => {
    const deb = debs.get('zstd')!;
    const s = span(deb, 'data');
    return deb.subarray(s.start, s.start + s.size);
  };

  it('decodes a dpkg-deb frame, which carries a content checksum, as fzstd does', () => {
    const z = frame();
    expect(z[4]! & 0x04, 'frame header checksum flag').toBe(0x04);
    expect(unzstd(z).equals(Buffer.from(fzstd(z)))).toBe(true);
  });

  it.each([1, 2, 3, 4])('refuses a frame missing the last %i bytes of its checksum', (n) => {
    const z = frame();
    // fzstd returns the content without a word.
    expect(() => fzstd(z.subarray(0, z.length - n))).not.toThrow();
    expect(() => unzstd(z.subarray(0, z.length - n))).toThrow(/cut short in its checksum/);
  });

  it('refuses a checksum that does not match the content', () => {
    const z = Buffer.from(frame());
    z[z.length - 1]! ^= 0x01;
    expect(() => fzstd(z)).not.toThrow();
    expect(() => unzstd(z)).toThrow(/content checksum 0x[0-9a-f]{8} does not match/);
  });

  it('refuses bytes after the last frame, and reads frames one after another', () => {
    const z = frame();
    expect(() => unzstd(Buffer.concat([z, Buffer.from('\n')]))).toThrow(
      '1 bytes after the last zstd frame',
    );
    expect(() => unzstd(Buffer.concat([z, Buffer.from('garbage')]))).toThrow(
      /no zstd frame at byte/,
    );
    const twice = unzstd(Buffer.concat([z, zstdStored(Buffer.from('more'))]));
    expect(twice.subarray(-4).toString()).toBe('more');
    expect(twice.length).toBe(unzstd(z).length + 4);
  });

  it('refuses a frame whose content size was corrupted, which fzstd pads with zeros', () => {
    // A stored frame of "four": single segment, 1-byte content size, content checksum.
    const frame4 = (size: number) =>
      Buffer.concat([
        Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, size]),
        Buffer.from([(4 << 3) | 1, 0, 0]),
        Buffer.from('four'),
        Buffer.from([0x69, 0x51, 0xe4, 0x4c]), // as `printf four | zstd --check` ends
      ]);
    expect(unzstd(frame4(4)).toString()).toBe('four');
    expect(Buffer.from(fzstd(frame4(5)))).toEqual(Buffer.from('four\0'));
    expect(() => unzstd(frame4(5))).toThrow(/content checksum/);
    expect(() => unzstd(frame4(3))).toThrow();
  });
});

describe('xxh64Low32', () => {
  it.each([
    ['', 0x51d8e999], // XXH64 = ef46db3751d8e999
    ['a', 0xa98c6e5b], // d24ec4f1a98c6e5b
    ['abc', 0xad770999], // 44bc2cf5ad770999
    // 39 bytes: one 32-byte stripe, then the 4-byte and 1-byte tails; fbcea83c8a378bf1.
    ['Nobody inspects the spammish repetition', 0x8a378bf1],
  ])('hashes %j as XXH64 does', (text, want) => {
    expect(xxh64Low32(Buffer.from(text))).toBe(want);
  });
});
