import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { BaseTree, readBaseTree } from '../../../src/oci/base-tree.js';
import { whiteout, writeLayer } from '../../../src/image/write-layer.js';
import { zstdStored } from '../../support/zstd-stored.js';

const work = mkdtempSync(join(tmpdir(), 'kubox-basetree-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Spec = Partial<Header> & { name: string; body?: string };

/** A tar written the way image builders write them: "./" names, trailing "/" on directories. */
async function tarOf(entries: Spec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const { body, ...h } of entries)
    await new Promise<void>((resolve, reject) =>
      p.entry({ mtime: new Date(0), ...h }, body ?? '', (e) => (e ? reject(e) : resolve())),
    );
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const d = (name: string, mode = 0o755): Spec => ({ name, type: 'directory', mode });
const f = (name: string, body: string, mode = 0o644): Spec => ({ name, type: 'file', mode, body });
const l = (name: string, linkname: string): Spec => ({
  name,
  type: 'symlink',
  mode: 0o777,
  linkname,
});

const bottom: Spec[] = [
  d('./'),
  d('./etc/'),
  f('./etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n'),
  f('./etc/os-release', 'ID=debian\n'),
  f('./etc/motd', 'hello\n'),
  d('./usr/'),
  d('./usr/bin/'),
  f('./usr/bin/bash', 'ELF bash', 0o755),
  { name: './usr/bin/rbash', type: 'link', linkname: './usr/bin/bash', mode: 0o755 },
  l('./bin', 'usr/bin'),
  d('./usr/lib/'),
  d('./usr/lib/python3/'),
  f('./usr/lib/python3/old.py', ''),
  l('./usr/lib/python3/abs', '/etc'),
  l('./usr/lib/python3/rel', '../../bin/bash'),
  l('./loop-a', 'loop-b'),
  l('./loop-b', 'loop-a'),
  d('./opt/'),
  d('./opt/app/'),
  f('./opt/app/a', 'a'),
  d('./opt/app/sub/'),
  f('./opt/app/sub/b', 'b'),
  d('./var/lib/dpkg/'),
  f('./var/lib/dpkg/status', 'Package: base-files\nStatus: install ok installed\n'),
  { name: './dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
];

const top: Spec[] = [
  f('./etc/.wh.os-release', ''),
  f('./etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nu:x:1000:1000::/home/u:/bin/sh\n'),
  f('./opt/app/.wh..wh..opq', ''),
  f('./opt/app/new', 'new'),
  d('./opt/app/', 0o750),
  f('./usr/lib/python3', 'now a file'), // a file over a directory hides its contents
  f('./srv/data/deep/file', 'no parent entries'),
  f('./etc/.wh.motd', ''),
  f('./etc/motd', 'replaced in the same layer'), // a layer's own entry survives its whiteout
  f('./.wh..wh.plnk', ''), // AUFS bookkeeping, not a deletion
];

const KEEP = new Set(['etc/passwd', 'etc/motd', 'var/lib/dpkg/status', 'usr/bin/bash']);
let tree: BaseTree;

beforeAll(async () => {
  writeFileSync(join(work, 'bottom.tar.gz'), gzipSync(await tarOf(bottom)));
  writeFileSync(join(work, 'top.tar'), await tarOf(top));
  tree = await readBaseTree([join(work, 'bottom.tar.gz'), join(work, 'top.tar')], (p) =>
    KEEP.has(p),
  );
});

describe('readBaseTree', () => {
  it('applies whiteouts, opaque directories and later layers', () => {
    expect(tree.get('etc/os-release')).toBeUndefined();
    expect(tree.read('etc/passwd')?.toString()).toContain('u:x:1000:1000');
    expect(tree.read('etc/motd')?.toString()).toBe('replaced in the same layer');
    expect(tree.list('opt/app')).toEqual(['new']);
    expect(tree.get('opt/app/sub/b')).toBeUndefined();
    expect(tree.get('opt/app')).toMatchObject({ type: 'directory', mode: 0o750 });
    expect(tree.get('usr/lib/python3')).toMatchObject({ type: 'file', size: 10 });
    expect(tree.get('usr/lib/python3/old.py')).toBeUndefined();
    expect(tree.get('.wh..wh.plnk')).toBeUndefined();
    expect(tree.list('')).toEqual(['bin', 'etc', 'loop-a', 'loop-b', 'opt', 'srv', 'usr', 'var']);
  });

  it('makes directories a layer left implicit', () => {
    expect(tree.get('srv/data')).toMatchObject({ type: 'directory', mode: 0o755 });
    expect(tree.list('srv/data/deep')).toEqual(['file']);
    expect(tree.get('var/lib')?.type).toBe('directory');
  });

  it('keeps metadata for every path but contents only for kept files', () => {
    expect(tree.get('usr/bin/bash')).toMatchObject({ type: 'file', mode: 0o755, size: 8 });
    expect(tree.read('usr/bin/bash')?.toString()).toBe('ELF bash');
    expect(tree.get('opt/app/new')).toMatchObject({ type: 'file', size: 3 });
    expect(tree.read('opt/app/new')).toBeUndefined();
    expect(tree.read('var/lib/dpkg/status')?.toString()).toMatch(/^Package: base-files/);
    // Devices are not part of what a build reads or writes.
    expect(tree.get('dev/null')).toBeUndefined();
  });

  it('reads a hardlink as its target', () => {
    expect(tree.get('usr/bin/rbash')).toMatchObject({ type: 'hardlink', linkname: 'usr/bin/bash' });
    expect(tree.read('usr/bin/rbash')?.toString()).toBe('ELF bash');
  });

  it('accepts "/", "./" and trailing "/" spellings', () => {
    expect(tree.get('/etc/passwd')).toEqual(tree.get('etc/passwd'));
    expect(tree.get('./usr/bin/')).toEqual(tree.get('usr/bin'));
    expect(tree.get('')?.type).toBe('directory');
  });

  it('lists every path in layer order', () => {
    const all = [...tree.paths()];
    expect(all.slice(0, 3)).toEqual(['bin', 'etc', 'etc/motd']);
    expect(all).toContain('srv/data/deep/file');
    expect(all).not.toContain('etc/os-release');
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('BaseTree.resolve', () => {
  it('follows symlinked parents, and the last component only when asked', () => {
    expect(tree.resolve('bin/bash')).toBe('usr/bin/bash');
    expect(tree.resolve('/bin/bash')).toBe('usr/bin/bash');
    expect(tree.resolve('bin')).toBe('bin');
    expect(tree.resolve('bin', true)).toBe('usr/bin');
    expect(tree.resolve('etc/passwd', true)).toBe('etc/passwd');
  });

  it('handles absolute and relative targets, and ".." never climbs out of the root', async () => {
    const t = new BaseTree();
    const dir = { type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, size: 0 };
    const link = (linkname: string) => ({ ...dir, type: 'symlink' as const, linkname });
    t.set('usr', dir);
    t.set('usr/lib', dir);
    t.set('usr/lib/abs', link('/etc'));
    t.set('usr/lib/rel', link('../../bin/bash'));
    t.set('usr/lib/up', link('../../../../../etc'));
    t.set('bin', link('usr/bin'));
    expect(t.resolve('usr/lib/abs/passwd')).toBe('etc/passwd');
    expect(t.resolve('usr/lib/rel', true)).toBe('usr/bin/bash');
    expect(t.resolve('usr/lib/rel')).toBe('usr/lib/rel');
    expect(t.resolve('usr/lib/up/hosts')).toBe('etc/hosts');
    expect(t.resolve('usr/../../etc/./x')).toBe('etc/x');
  });

  it('stops a symlink loop with an error that names the path', () => {
    expect(() => tree.resolve('loop-a/x')).toThrow(KuboxError);
    expect(() => tree.resolve('loop-a', true)).toThrow(/symbolic links resolving \/loop-a/);
    expect(tree.resolve('loop-a')).toBe('loop-a');
  });
});

describe('layer formats', () => {
  it('reads zstd, gzip and plain layers alike, told apart by their magic', async () => {
    const tar = await tarOf(bottom);
    writeFileSync(join(work, 'b.zst'), zstdStored(tar));
    writeFileSync(join(work, 'b.plain'), tar);
    const keep = (p: string) => KEEP.has(p);
    const z = await readBaseTree([join(work, 'b.zst')], keep);
    const g = await readBaseTree([join(work, 'bottom.tar.gz')], keep);
    const p = await readBaseTree([join(work, 'b.plain')], keep);
    expect([...z.paths()]).toEqual([...g.paths()]);
    expect([...p.paths()]).toEqual([...g.paths()]);
    expect(z.read('etc/os-release')).toBeUndefined();
    expect(z.get('etc/os-release')?.size).toBe(10);
  });

  it('reads back what writeLayer writes, whiteouts included', async () => {
    const base = await writeLayer(
      [
        { path: 'etc', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
        { path: 'etc/gone', type: 'file', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array(1) },
        { path: 'big', type: 'file', mode: 0o600, uid: 300_000, gid: 300_001 },
      ],
      { dir: join(work, 'w'), mtime: 0 },
    );
    const upper = await writeLayer([whiteout('etc/gone')], { dir: join(work, 'w'), mtime: 0 });
    const t = await readBaseTree([base.path, upper.path], () => false);
    expect([...t.paths()]).toEqual(['big', 'etc']);
    expect(t.get('big')).toMatchObject({ uid: 300_000, gid: 300_001, mode: 0o600 });
  });

  it('names the blob that is not a layer', async () => {
    writeFileSync(join(work, 'junk.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(readBaseTree([join(work, 'junk.gz')], () => false)).rejects.toThrow(
      /cannot read the layer .*junk\.gz/,
    );
    await expect(readBaseTree([join(work, 'missing')], () => false)).rejects.toThrow(KuboxError);
  });
});
