/**
 * Hostile .deb members (issue 15, items 5, 7 and 13): each crafted package is
 * a stand-in for a malicious or broken one. Every case states what kubox does
 * with it: refused with a KuboxError naming the package and the path (exit 1,
 * never 70), or kept as dpkg would unpack it.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, gzip } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeb, unzstd, xzDeclaredSize } from '../../../src/debian/deb.js';
import { KuboxError } from '../../../src/errors.js';
import { UNPACK_LIMITS } from '../../../src/unpack-limit.js';
import { ar } from '../../support/ar.js';

const gz = promisify(gzip);

type EntryHeader = Partial<Header> & { name: string };

interface Member {
  header: EntryHeader;
  data?: string;
  /** Rewrites the 512-byte header block (e.g. to a type tar-stream cannot write). */
  patch?: (block: Buffer) => void;
}

/** A tar archive of `members`, each header patched as asked (checksum recomputed). */
async function tarOf(members: Member[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const m of members)
    p.entry(
      { mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), ...m.header } as Header,
      m.data ?? '',
    );
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  // Walk headers and apply patches in order.
  let off = 0;
  for (const m of members) {
    const block = tar.subarray(off, off + 512);
    if (m.patch) {
      m.patch(block);
      block.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of block) sum += b;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    const size =
      m.header.type === 'file' || m.header.type === undefined ? Buffer.byteLength(m.data ?? '') : 0;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return tar;
}

const CONTROL =
  'Package: evil\nVersion: 1\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: x\n';

async function deb(data: Member[]): Promise<Buffer> {
  const control = await tarOf([{ header: { name: './control' }, data: CONTROL }]);
  return ar([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: await gz(control) },
    { name: 'data.tar.gz', data: await gz(await tarOf(data)) },
  ]);
}

const file = (name: string, data = 'x', extra: Partial<Header> = {}): Member => ({
  header: { name, type: 'file', ...extra },
  data,
});
const dir = (name: string): Member => ({ header: { name, type: 'directory', mode: 0o755 } });
const WHAT = 'evil_1_all.deb';

async function refusal(bytes: Buffer): Promise<KuboxError> {
  const e = await readDeb(bytes, WHAT).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the package was accepted').toBeInstanceOf(KuboxError);
  const k = e as KuboxError;
  expect(k.message).toContain(WHAT);
  expect([1, 2]).toContain(k.exitCode);
  return k;
}

describe('hostile .deb members', () => {
  const refused: [string, Member[], RegExp][] = [
    ['a ".." path', [dir('./usr'), file('./usr/../../etc/passwd')], /"\.\." part/],
    [
      'a ".." hard link target',
      [
        file('./usr/a'),
        { header: { name: './usr/b', type: 'link', linkname: './usr/../../etc/shadow' } },
      ],
      /"\.\." part/,
    ],
    [
      'an opaque whiteout',
      [dir('./usr'), dir('./usr/local'), file('./usr/local/.wh..wh..opq', '')],
      /whiteout/,
    ],
    [
      'a whiteout file',
      [dir('./usr'), dir('./usr/bin'), file('./usr/bin/.wh.python3', '')],
      /whiteout/,
    ],
    ['a whiteout directory', [dir('./.wh.etc'), file('./.wh.etc/x')], /whiteout/],
    ['a newline in a name', [dir('./usr'), file('./usr/a\nb')], /control character/],
    ['an escape in a name', [dir('./usr'), file('./usr/a\u001b[2Jb')], /control character/],
    [
      'a file below its own symlink',
      [
        dir('./usr'),
        { header: { name: './usr/x', type: 'symlink', linkname: '/etc' } },
        file('./usr/x/passwd', 'root::0:0::/:/bin/sh\n'),
      ],
      /makes a symbolic link/,
    ],
    [
      'a hard link to a path not in the package',
      [
        dir('./usr'),
        { header: { name: './usr/bin-link', type: 'link', linkname: './usr/bin/missing' } },
      ],
      /hard link to "usr\/bin\/missing".*would not load/,
    ],
    [
      'a hard link to a later file',
      [{ header: { name: './a', type: 'link', linkname: './b' } }, file('./b')],
      /hard link/,
    ],
    [
      'a hard link to a directory',
      [dir('./usr'), { header: { name: './l', type: 'link', linkname: './usr' } }],
      /hard link/,
    ],
    [
      'a character device',
      [
        dir('./dev'),
        { header: { name: './dev/mem', type: 'character-device', devmajor: 1, devminor: 1 } },
      ],
      /character-device.*cannot hold/,
    ],
    [
      'a block device',
      [
        dir('./dev'),
        { header: { name: './dev/sda', type: 'block-device', devmajor: 8, devminor: 0 } },
      ],
      /block-device.*cannot hold/,
    ],
    ['a fifo', [{ header: { name: './fifo', type: 'fifo' } }], /fifo.*cannot hold/],
    [
      'a sparse file',
      [
        {
          // GNU sparse ('S'), which tar-stream cannot write: a file header, retyped.
          header: { name: './sparse', type: 'file' },
          data: '',
          patch: (b: Buffer) => {
            b.write('S', 156, 'latin1');
          },
        },
      ],
      /cannot hold|not a readable tar/,
    ],
  ];
  it.each(refused)(
    'refuses %s, naming the package and the path',
    async (_what, members, message) => {
      const k = await refusal(await deb(members));
      expect(k.message).toMatch(message);
    },
  );

  it('keeps setuid and absolute paths as dpkg does: modes kept, "/" stripped', async () => {
    const d = await readDeb(
      await deb([dir('/usr'), dir('/usr/bin'), file('/usr/bin/su', 'ELF', { mode: 0o4755 })]),
      WHAT,
    );
    expect(d.files.map((f) => f.path)).toEqual(['usr', 'usr/bin', 'usr/bin/su']);
    expect(d.files[2]).toMatchObject({ type: 'file', mode: 0o4755 });
  });

  it('keeps a hard link to an earlier file', async () => {
    const d = await readDeb(
      await deb([file('./a', 'same'), { header: { name: './b', type: 'link', linkname: './a' } }]),
      WHAT,
    );
    expect(d.files[1]).toMatchObject({ path: 'b', type: 'hardlink', linkname: 'a' });
  });
});

describe('decompression bombs in a .deb', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kubox-bomb-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A real package from dpkg-deb holding one sparse file of zeros, `size` bytes. */
  async function bomb(compression: string, size: number): Promise<Buffer> {
    const root = join(work, `root-${compression}-${size}`);
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await writeFile(join(root, 'DEBIAN', 'control'), CONTROL);
    await writeFile(join(root, 'zeros'), '');
    await truncate(join(root, 'zeros'), size);
    const out = `${root}.deb`;
    await execa('dpkg-deb', [`-Z${compression}`, '--root-owner-group', '--build', root, out]);
    return readFile(out);
  }

  const SIZE = UNPACK_LIMITS.floor + 16 * 1024 * 1024;
  it.each(['gzip', 'xz', 'zstd'])(
    '%s: refuses a package that unpacks past the limit, before holding it all',
    async (c) => {
      const bytes = await bomb(c, SIZE);
      expect(bytes.length).toBeLessThan(SIZE / UNPACK_LIMITS.ratio);
      const k = await refusal(bytes);
      expect(k.kind).toBe('build-failed');
      expect(k.message).toMatch(
        /data\.tar\.(gz|xz|zst) unpacks to .*MiB.* refuses more than 64 MiB/,
      );
      expect(k.hint).toMatch(/--engine buildx/);
    },
    120_000,
  );

  it('reads the size an xz file declares from its index, as xz --list does', async () => {
    const bytes = await bomb('xz', 5_000_000);
    const start = bytes.indexOf('data.tar.xz');
    const size = Number(bytes.toString('latin1', start + 48, start + 58).trim());
    const member = bytes.subarray(start + 60, start + 60 + size);
    await writeFile(join(work, 'member.xz'), member);
    const listed = await execa('xz', ['--robot', '--list', join(work, 'member.xz')]);
    const totals = listed.stdout
      .split('\n')
      .find((l) => l.startsWith('totals'))!
      .split('\t');
    expect(xzDeclaredSize(member)).toBe(Number(totals[4]));
  }, 60_000);

  it('stops a zstd frame that declares no size (zstd from a pipe) once past the limit', async () => {
    const zeros = join(work, 'zeros-pipe');
    await writeFile(zeros, '');
    await truncate(zeros, 3 * 1024 * 1024);
    const { stdout } = await execa('sh', ['-c', `zstd -q -c < ${zeros}`], {
      encoding: 'buffer',
    });
    const frame = Buffer.from(stdout);
    expect(frame[4]! >> 6).toBe(0); // no content size in the frame header
    expect(unzstd(frame).length).toBe(3 * 1024 * 1024);
    expect(() => unzstd(frame, 1024 * 1024)).toThrow(/unpack limit/);
  }, 60_000);

  /**
   * `xz` with its index rewritten to declare `size` for its only block: a liar. The
   * block header (written without sizes by a single-threaded xz) says nothing.
   */
  function lyingXz(xz: Buffer, size: number): Buffer {
    const vli = (n: number) => {
      const out: number[] = [];
      do {
        out.push((n % 128) | (n >= 128 ? 0x80 : 0));
        n = Math.floor(n / 128);
      } while (n > 0);
      return Buffer.from(out);
    };
    const readVli = (p: number): [number, number] => {
      let v = 0;
      for (let i = 0; ; i++) {
        v += (xz[p + i]! & 0x7f) * 2 ** (7 * i);
        if (!(xz[p + i]! & 0x80)) return [v, p + i + 1];
      }
    };
    const end = xz.length;
    const indexStart = end - 12 - (xz.readUInt32LE(end - 8) + 1) * 4;
    const [records, p] = readVli(indexStart + 1);
    expect(records).toBe(1);
    const [unpadded] = readVli(p);
    let index = Buffer.concat([Buffer.from([0]), vli(1), vli(unpadded), vli(size)]);
    index = Buffer.concat([index, Buffer.alloc((4 - (index.length % 4)) % 4)]);
    const crc = (b: Buffer) => {
      const o = Buffer.alloc(4);
      o.writeUInt32LE(crc32(b));
      return o;
    };
    index = Buffer.concat([index, crc(index)]);
    const backward = Buffer.alloc(6);
    backward.writeUInt32LE(index.length / 4 - 1);
    xz.copy(backward, 4, end - 4, end - 2);
    return Buffer.concat([
      xz.subarray(0, indexStart),
      index,
      crc(backward),
      backward,
      Buffer.from('YZ'),
    ]);
  }

  it('refuses an xz bomb whose index lies about its size, from its LZMA2 chunks, without decoding', async () => {
    const zeros = join(work, 'zeros-xz');
    await writeFile(zeros, '');
    await truncate(zeros, 96 * 1024 * 1024);
    await execa('xz', ['-T1', '-k', '-f', zeros]);
    const honest = await readFile(`${zeros}.xz`);
    expect(xzDeclaredSize(honest)).toBe(96 * 1024 * 1024);
    const liar = lyingXz(honest, 1024 * 1024);
    expect(xzDeclaredSize(liar)).toBe(1024 * 1024);
    const bytes = (await deb([file('./x')])) as Buffer;
    // Swap data.tar.gz for the lying data.tar.xz.
    const member = (name: string, data: Buffer) => ({ name, data });
    const control = await gz(await tarOf([{ header: { name: './control' }, data: CONTROL }]));
    const pkg = ar([
      member('debian-binary', Buffer.from('2.0\n')),
      member('control.tar.gz', control),
      member('data.tar.xz', liar),
    ]);
    expect(bytes.length).toBeGreaterThan(0);
    const k = await refusal(pkg);
    expect(k.kind).toBe('build-failed');
    expect(k.message).toMatch(/data\.tar\.xz unpacks to 96 MiB/);
  }, 60_000);

  it('still reads a package just under the floor', async () => {
    const d = await readDeb(await bomb('gzip', 8 * 1024 * 1024), WHAT);
    expect(d.files.find((f) => f.path === 'zeros')?.data?.length).toBe(8 * 1024 * 1024);
  }, 60_000);
});
