import { execFileSync } from 'node:child_process';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAr, readDeb } from '../../../src/debian/deb.js';
import { KuboxError } from '../../../src/errors.js';

/** Builds a real .deb with dpkg-deb, the way Debian's own packages are built. */
function buildDeb(dir: string, compression: 'gzip' | 'xz' | 'zstd'): Buffer {
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
  execFileSync('dpkg-deb', [`-Z${compression}`, '--root-owner-group', '--build', root, out], {
    stdio: 'pipe',
  });
  return readFileSync(out);
}

/** An ar archive from members, as `ar` writes it (GNU names end in "/", odd members padded). */
function ar(members: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const m of members) {
    const h =
      `${m.name}/`.padEnd(16) +
      '0'.padEnd(12) +
      '0'.padEnd(6) +
      '0'.padEnd(6) +
      '100644'.padEnd(8) +
      String(m.data.length).padEnd(10) +
      '`\n';
    parts.push(Buffer.from(h, 'latin1'), m.data);
    if (m.data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

let dir: string;
const debs = new Map<string, Buffer>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubox-deb-'));
  for (const c of ['gzip', 'xz', 'zstd'] as const) debs.set(c, buildDeb(dir, c));
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

  it('refuses a truncated or corrupted package, naming it', async () => {
    const good = debs.get('xz')!;
    const cut = good.subarray(0, good.length - 100);
    await expect(readDeb(cut, 'vim_2:9.0_amd64.deb')).rejects.toThrow(
      /vim_2:9\.0_amd64\.deb .*truncated/,
    );
    // Same length, one byte of the compressed data.tar flipped.
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40]! ^= 0xff;
    const err = await readDeb(flipped, 'vim_2:9.0_amd64.deb').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboxError);
    expect((err as KuboxError).kind).toBe('integrity');
    expect((err as KuboxError).message).toContain('vim_2:9.0_amd64.deb');
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
