/**
 * The parity test's instrument on small layers made here with tar-stream:
 * whiteouts, opaque directories, hard links, PAX ids and special bits are
 * applied as containerd applies them, and the differ reports what differs,
 * no more, split by the allowlist.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import {
  diffConfigs,
  diffFs,
  flattenLayers,
  formatFsDifferences,
  type AllowEntry,
  type FsMap,
  type LayerSource,
} from '../../support/fs-compare.js';

type Entry = Partial<Header> & { name: string; body?: string };

/** A layer blob of `entries`, in order; gzip'd unless `plain`. */
async function layer(entries: Entry[], plain = false): Promise<LayerSource> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ mode: 0o644, uid: 0, gid: 0, ...h }, body ?? '', (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  }
  p.finalize();
  await ended;
  const tar = Buffer.concat(chunks);
  const bytes = plain ? tar : gzipSync(tar);
  return {
    mediaType: plain
      ? 'application/vnd.oci.image.layer.v1.tar'
      : 'application/vnd.oci.image.layer.v1.tar+gzip',
    open: () => Readable.from([bytes]),
  };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('flattenLayers', () => {
  it('keeps type, mode with setuid/setgid/sticky, PAX ids, content hash and link target', async () => {
    const fs = await flattenLayers([
      await layer([
        { name: 'usr/', type: 'directory', mode: 0o755 },
        { name: 'usr/bin/', type: 'directory', mode: 0o755 },
        { name: 'usr/bin/su', mode: 0o4755, body: 'su' },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
        { name: 'etc/redis/', type: 'directory', mode: 0o2770, uid: 100, gid: 101 },
        // An id beyond ustar's 6 octal digits lives in a PAX record only.
        { name: 'home/big', uid: 2_097_152, gid: 7, pax: { uid: '3000000' }, body: 'x' },
        { name: 'usr/share/doc/libatomic1', type: 'symlink', linkname: 'gcc-12-base' },
      ]),
    ]);
    expect(fs.get('/usr/bin/su')).toEqual({
      type: 'file',
      mode: 0o4755,
      uid: 0,
      gid: 0,
      sha256: sha('su'),
    });
    expect(fs.get('/tmp')?.mode).toBe(0o1777);
    expect(fs.get('/etc/redis')).toMatchObject({ mode: 0o2770, uid: 100, gid: 101 });
    expect(fs.get('/home/big')).toMatchObject({ uid: 3_000_000, gid: 7 });
    expect(fs.get('/usr/share/doc/libatomic1')).toMatchObject({
      type: 'symlink',
      linkTarget: 'gcc-12-base',
    });
    // Parents the layer omits exist, as containerd makes them: root's 0755 directories.
    expect(fs.get('/usr/share/doc')).toEqual({ type: 'directory', mode: 0o755, uid: 0, gid: 0 });
    expect(fs.has('/')).toBe(false);
  });

  it('applies whiteouts to lower layers only, and opaque directories', async () => {
    const fs = await flattenLayers([
      await layer([
        { name: 'a/', type: 'directory' },
        { name: 'a/one', body: '1' },
        { name: 'a/sub/two', body: '2' },
        { name: 'b/', type: 'directory' },
        { name: 'b/old', body: 'old' },
        { name: 'c', body: 'c' },
      ]),
      await layer([
        // The whiteout comes after this layer's own a/new: it hides the lower a/sub only.
        { name: 'a/new', body: 'new' },
        { name: 'a/.wh.sub' },
        { name: 'b/kept', body: 'kept' },
        { name: 'b/.wh..wh..opq' },
        { name: '.wh.c' },
        // AUFS bookkeeping, not a deletion of anything.
        { name: '.wh..wh.plnk/', type: 'directory' },
      ]),
    ]);
    expect([...fs.keys()].sort()).toEqual(['/a', '/a/new', '/a/one', '/b', '/b/kept']);
  });

  it('a file over a directory hides the directory tree; a directory over a directory merges', async () => {
    const fs = await flattenLayers([
      await layer([
        { name: 'x/', type: 'directory', mode: 0o700 },
        { name: 'x/inner', body: 'i' },
        { name: 'y/', type: 'directory', mode: 0o700 },
        { name: 'y/inner', body: 'i' },
      ]),
      await layer([
        { name: 'x', type: 'symlink', linkname: '/elsewhere' },
        { name: 'y/', type: 'directory', mode: 0o755, uid: 5 },
      ]),
    ]);
    expect(fs.has('/x/inner')).toBe(false);
    expect(fs.get('/x')?.type).toBe('symlink');
    expect(fs.get('/y')).toMatchObject({ mode: 0o755, uid: 5 });
    expect(fs.get('/y/inner')?.sha256).toBe(sha('i'));
  });

  it('reads a hard link as a file with its target content and metadata, across layers too', async () => {
    const fs = await flattenLayers([
      await layer([{ name: 'usr/bin/perl5.36', mode: 0o755, body: 'perl' }], true),
      await layer([
        { name: 'usr/bin/perl', type: 'link', linkname: 'usr/bin/perl5.36' },
        { name: 'bin/gz', mode: 0o755, uid: 3, body: 'gz' },
        { name: 'bin/gunzip', type: 'link', linkname: './bin/gz' },
      ]),
    ]);
    expect(fs.get('/usr/bin/perl')).toEqual(fs.get('/usr/bin/perl5.36'));
    expect(fs.get('/usr/bin/perl')).toMatchObject({ type: 'file', sha256: sha('perl') });
    expect(fs.get('/bin/gunzip')).toMatchObject({ type: 'file', uid: 3, sha256: sha('gz') });
  });

  it('refuses a hard link to nothing rather than guessing its content', async () => {
    await expect(
      flattenLayers([await layer([{ name: 'a', type: 'link', linkname: 'missing' }])]),
    ).rejects.toThrow(/hard link \/a -> \/missing/);
  });
});

describe('diffFs', () => {
  const left: FsMap = new Map([
    ['/etc', { type: 'directory', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc/redis', { type: 'directory', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc/same', { type: 'file', mode: 0o644, uid: 0, gid: 0, sha256: 'aa' }],
    ['/etc/passwd-', { type: 'file', mode: 0o600, uid: 0, gid: 0, sha256: 'p1' }],
    ['/only-native', { type: 'file', mode: 0o644, uid: 0, gid: 0, sha256: 'n' }],
  ]);
  const right: FsMap = new Map([
    ['/etc', { type: 'directory', mode: 0o755, uid: 0, gid: 0 }],
    ['/etc/redis', { type: 'directory', mode: 0o2770, uid: 100, gid: 101 }],
    ['/etc/same', { type: 'file', mode: 0o644, uid: 0, gid: 0, sha256: 'aa' }],
    ['/etc/passwd-', { type: 'file', mode: 0o644, uid: 0, gid: 0, sha256: 'p2' }],
    ['/var/log/redis', { type: 'directory', mode: 0o2750, uid: 100, gid: 4 }],
    ['/var/log/redis/a', { type: 'file', mode: 0o640, uid: 100, gid: 4, sha256: 'l' }],
    ['/var/log/redis/b', { type: 'file', mode: 0o640, uid: 100, gid: 4, sha256: 'l' }],
  ]);

  it('lists every path that differs, and the fields that differ, and nothing else', () => {
    const { differences, allowed } = diffFs(left, right);
    expect(allowed).toEqual([]);
    expect(differences.map((d) => [d.path, d.kind, d.fields])).toEqual([
      ['/etc/passwd-', 'changed', ['mode', 'sha256']],
      ['/etc/redis', 'changed', ['mode', 'uid', 'gid']],
      ['/only-native', 'only-left', []],
      ['/var/log/redis', 'only-right', []],
      ['/var/log/redis/a', 'only-right', []],
      ['/var/log/redis/b', 'only-right', []],
    ]);
    expect(diffFs(left, new Map(left)).differences).toEqual([]);
  });

  it('splits by the allowlist; an entry with fields allows only those fields on paths in both', () => {
    const allow: AllowEntry[] = [
      { name: 'backups', pattern: /^\/etc\/passwd-$/, reason: 'backup' },
      { name: 'redis mode only', pattern: /^\/etc\/redis$/, reason: 'test', fields: ['mode'] },
      { name: 'native extra', pattern: /^\/only-native$/, reason: 'test', fields: ['sha256'] },
    ];
    const { differences, allowed } = diffFs(left, right, allow);
    expect(allowed.map((a) => [a.diff.path, a.by])).toEqual([['/etc/passwd-', 'backups']]);
    // uid and gid differ too, and a path missing on one side is not a field difference.
    expect(differences.map((d) => d.path)).toEqual([
      '/etc/redis',
      '/only-native',
      '/var/log/redis',
      '/var/log/redis/a',
      '/var/log/redis/b',
    ]);
  });

  it('formats a readable, grouped report, a missing tree folded into one line', () => {
    const text = formatFsDifferences(diffFs(left, right).differences, {
      left: 'native',
      right: 'buildx',
    });
    expect(text).toBe(
      [
        '6 differences:',
        '== changed (mode, sha256); native vs buildx: 1',
        '  /etc/passwd-  mode 0600 vs 0644, sha256 p1 vs p2',
        '== changed (mode, uid, gid); native vs buildx: 1',
        '  /etc/redis  mode 0755 vs 2770, uid 0 vs 100, gid 0 vs 101',
        '== only in native: 1',
        '  /only-native  file 0644 0:0 sha256:n',
        '== only in buildx: 1',
        '  /var/log/redis  directory 2750 100:4  (+2 entries below)',
      ].join('\n'),
    );
  });
});

describe('diffConfigs', () => {
  it('ignores key order and absent-vs-empty, and reports a missing Shell or a changed created', () => {
    const base = {
      created: '2025-04-13T21:07:12Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['A=1'], Labels: { a: '1', b: '2' }, Cmd: ['bash'] },
    };
    expect(
      diffConfigs(base, {
        ...base,
        config: { Cmd: ['bash'], Labels: { b: '2', a: '1' }, Env: ['A=1'], Volumes: {} },
      }),
    ).toEqual([]);
    expect(
      diffConfigs(base, {
        ...base,
        created: '2026-01-01T00:00:00Z',
        config: { ...base.config, Shell: ['/bin/bash', '-c'] },
      }),
    ).toEqual([
      { key: 'created', left: base.created, right: '2026-01-01T00:00:00Z' },
      { key: 'config.Shell', left: undefined, right: ['/bin/bash', '-c'] },
    ]);
  });
});
