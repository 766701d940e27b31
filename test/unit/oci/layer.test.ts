import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { extract, type Header } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import type { FileEntry } from '../../../src/oci/file-entry.js';
import {
  coalescing,
  comparePaths,
  opaqueWhiteout,
  sortEntries,
  whiteout,
  writeLayer,
} from '../../../src/image/write-layer.js';

const work = mkdtempSync(join(tmpdir(), 'kubox-layer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(work, `d${n++}`);

const EPOCH = 1_700_000_000;
const text = (s: string) => new TextEncoder().encode(s);
const dir = (path: string, mode = 0o755, uid = 0, gid = 0): FileEntry => ({
  path,
  type: 'directory',
  mode,
  uid,
  gid,
});
const file = (path: string, data: string, mode = 0o644, uid = 0, gid = 0): FileEntry => ({
  path,
  type: 'file',
  mode,
  uid,
  gid,
  data: text(data),
});

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Read {
  header: Header;
  data: Buffer;
}

async function readTar(tar: Buffer): Promise<Read[]> {
  const out: Read[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      out.push({ header, data: Buffer.concat(chunks) });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    ex.end(tar);
  });
  return out;
}

const sample: FileEntry[] = [
  dir('usr'),
  dir('usr/bin'),
  file('usr/bin/tool', '#!/bin/sh\necho hi\n', 0o4755),
  { path: 'usr/bin/tool-link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'tool' },
  dir('home/u', 0o700, 1000, 1000),
  file('home/u/.profile', 'export X=1\n', 0o644, 1000, 1000),
  dir('home', 0o755),
  file('etc/a-b', 'dash'),
  dir('etc'),
  dir('etc/a'),
  file('etc/a/b', 'slash'),
];

describe('comparePaths / sortEntries', () => {
  it('orders like GNU tar --sort=name: a directory, then its contents, then its siblings', () => {
    const paths = ['b', 'a0', 'a.x', 'a-b', 'a/b/c/f', 'a/b/c', 'a/b', 'a', 'A'];
    // What `tar --sort=name -c` lists for this tree (checked against GNU tar 1.34).
    expect([...paths].sort(comparePaths)).toEqual([
      'A',
      'a',
      'a/b',
      'a/b/c',
      'a/b/c/f',
      'a-b',
      'a.x',
      'a0',
      'b',
    ]);
  });

  it('compares by code point (UTF-8 byte order), not UTF-16 unit', () => {
    // U+FF21 (a BMP char above the surrogates) sorts before U+1F600 in UTF-8.
    expect(['\u{1F600}', '\uFF21', 'z'].sort(comparePaths)).toEqual(['z', '\uFF21', '\u{1F600}']);
  });

  it('keeps the last entry for a path, wherever the first one was', () => {
    const sorted = sortEntries([file('x', 'old'), dir('a'), file('x', 'new', 0o600)]);
    expect(sorted.map((e) => e.path)).toEqual(['a', 'x']);
    expect(new TextDecoder().decode(sorted[1]!.data)).toBe('new');
    expect(sorted[1]!.mode).toBe(0o600);
  });

  it('moves the file to the first path of a hardlink group when a link sorts before it', () => {
    const sorted = sortEntries([
      file('z/perl5.36', 'ELF', 0o755),
      { path: 'b/perl', type: 'hardlink', mode: 0o755, uid: 0, gid: 0, linkname: 'z/perl5.36' },
      { path: 'c/perl', type: 'hardlink', mode: 0o755, uid: 0, gid: 0, linkname: 'b/perl' },
    ]);
    expect(sorted.map((e) => [e.path, e.type, e.linkname])).toEqual([
      ['b/perl', 'file', undefined],
      ['c/perl', 'hardlink', 'b/perl'],
      ['z/perl5.36', 'hardlink', 'b/perl'],
    ]);
    expect(new TextDecoder().decode(sorted[0]!.data)).toBe('ELF');
  });

  it('keeps a hardlink into a lower layer as given', () => {
    const link: FileEntry = {
      path: 'usr/bin/x',
      type: 'hardlink',
      mode: 0o755,
      uid: 0,
      gid: 0,
      linkname: 'usr/bin/y',
    };
    expect(sortEntries([link])).toEqual([link]);
  });

  it('rejects paths that are not clean and relative', () => {
    for (const bad of ['/etc/passwd', './etc', 'etc/', 'a/../b', ''])
      expect(() => sortEntries([file(bad, 'x')]), bad).toThrow(KuboxError);
  });
});

describe('writeLayer', () => {
  it('gives byte-identical blobs for the same entries in any order, named by their digest', async () => {
    const a = await writeLayer(sample, { dir: freshDir(), mtime: EPOCH });
    const b = await writeLayer([...sample].reverse(), { dir: freshDir(), mtime: EPOCH });
    const bytes = readFileSync(a.path);
    expect(readFileSync(b.path).equals(bytes)).toBe(true);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(sha(bytes));
    expect(a.path.endsWith(a.digest.slice('sha256:'.length))).toBe(true);
    expect(a.size).toBe(bytes.length);
    expect(a.diffId).toBe(sha(gunzipSync(bytes)));
    // Only the blob is left: the temporary file was renamed.
    expect(readdirSync(join(a.path, '..'))).toEqual([a.digest.slice(7)]);
    // A different mtime is a different layer.
    const c = await writeLayer(sample, { dir: freshDir(), mtime: EPOCH + 1 });
    expect(c.diffId).not.toBe(a.diffId);
  });

  it('writes a fixed gzip header: no mtime, no name, level 6 flags', async () => {
    const l = await writeLayer(sample, { dir: freshDir(), mtime: EPOCH });
    const head = readFileSync(l.path).subarray(0, 10);
    expect([...head.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // deflate, no FNAME
    expect(head.readUInt32LE(4)).toBe(0); // MTIME
  });

  it('writes sorted entries with fixed owners, names and times, and no atime/ctime', async () => {
    const l = await writeLayer(sample, { dir: freshDir(), mtime: EPOCH });
    const tar = gunzipSync(readFileSync(l.path));
    const entries = await readTar(tar);
    expect(entries.map((e) => e.header.name)).toEqual([
      'etc/',
      'etc/a/',
      'etc/a/b',
      'etc/a-b',
      'home/',
      'home/u/',
      'home/u/.profile',
      'usr/',
      'usr/bin/',
      'usr/bin/tool',
      'usr/bin/tool-link',
    ]);
    for (const { header } of entries) {
      expect(header.mtime?.getTime()).toBe(EPOCH * 1000);
      expect(header.uname).toBe('');
      expect(header.gname).toBe('');
      expect(header.pax).toBeFalsy();
    }
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    expect(byName.get('usr/bin/tool')!.header.mode).toBe(0o4755);
    expect(byName.get('usr/bin/tool')!.data.toString()).toBe('#!/bin/sh\necho hi\n');
    expect(byName.get('home/u/')!.header).toMatchObject({ mode: 0o700, uid: 1000, gid: 1000 });
    expect(byName.get('usr/bin/tool-link')!.header).toMatchObject({
      type: 'symlink',
      linkname: 'tool',
    });
    // No "atime=" / "ctime=" records anywhere in the stream.
    expect(tar.includes('atime=')).toBe(false);
    expect(tar.includes('ctime=')).toBe(false);
  });

  it('uses PAX records for a 200-character path and ids beyond ustar', async () => {
    // A 110-character name cannot go into ustar's 100-byte name field, with or without a prefix.
    const long = `opt/${'d'.repeat(85)}/${'f'.repeat(110)}`;
    // This one fits ustar's prefix (155) + name (100) split, which tar-stream prefers.
    const split = `opt/${'d'.repeat(120)}/${'f'.repeat(75)}`;
    expect([long.length, split.length]).toEqual([200, 200]);
    const l = await writeLayer(
      [
        file(long, 'deep'),
        file(split, 'split'),
        file('big-ids', 'x', 0o600, 300_000, 4_000_000),
        { ...file('etc/gshadow', ''), mode: 0 },
      ],
      { dir: freshDir(), mtime: EPOCH },
    );
    const tar = gunzipSync(readFileSync(l.path));
    const entries = await readTar(tar);
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    expect(byName.get(long)!.data.toString()).toBe('deep');
    expect(tar.includes(` path=${long}\n`)).toBe(true); // a PAX record, not GNU longname
    expect(tar.includes('././@LongLink')).toBe(false);
    expect(byName.get(split)!.data.toString()).toBe('split');
    expect(tar.includes(`path=${split}`)).toBe(false);
    // tar-stream's reader leaves the clamped ustar ids and hands over the PAX records.
    expect(byName.get('big-ids')!.header.pax).toMatchObject({ uid: '300000', gid: '4000000' });
    expect(byName.get('etc/gshadow')!.header.mode).toBe(0);
    // GNU tar, a reader other than the writer's own library, sees the same.
    const listing = (
      await execa('tar', ['--numeric-owner', '-tvf', '-'], { input: tar })
    ).stdout.split('\n');
    expect(listing.find((s) => s.endsWith(long))).toBeDefined();
    expect(listing.find((s) => s.endsWith(split))).toBeDefined();
    expect(listing.find((s) => s.endsWith('big-ids'))).toMatch(/^-rw------- 300000\/4000000 /);
    expect(listing.find((s) => s.endsWith('etc/gshadow'))).toMatch(/^---------- 0\/0 /);
  });

  it('writes hardlinks that extract as one inode', async () => {
    const l = await writeLayer(
      [
        file('z/target', 'shared', 0o755),
        { path: 'a/link', type: 'hardlink', mode: 0o755, uid: 0, gid: 0, linkname: 'z/target' },
      ],
      { dir: freshDir(), mtime: EPOCH },
    );
    const out = freshDir();
    await execa('mkdir', ['-p', out]);
    await execa('tar', ['-xzf', l.path, '-C', out]);
    const a = statSync(join(out, 'a/link'));
    const z = statSync(join(out, 'z/target'));
    expect(a.ino).toBe(z.ino);
    expect(a.nlink).toBe(2);
    expect(readFileSync(join(out, 'a/link'), 'utf8')).toBe('shared');
  });

  it('gives the same blobs when layers compress in parallel', async () => {
    const other = [file('srv/data', 'y'.repeat(100_000))];
    const [a, b] = await Promise.all([
      writeLayer(sample, { dir: freshDir(), mtime: EPOCH }),
      writeLayer(other, { dir: freshDir(), mtime: EPOCH }),
    ]);
    const a2 = await writeLayer(sample, { dir: freshDir(), mtime: EPOCH });
    const b2 = await writeLayer(other, { dir: freshDir(), mtime: EPOCH });
    expect([a.digest, b.digest]).toEqual([a2.digest, b2.digest]);
  });
});

describe('coalescing', () => {
  it('joins small chunks and passes a large one on as it is, without copying it', async () => {
    const t = coalescing();
    // Flowing, as in the layer's pipeline: each chunk pushed is one 'data' event.
    const out: Buffer[] = [];
    t.on('data', (c: Buffer) => out.push(c));
    const ended = new Promise((r) => t.on('end', r));
    const header = Buffer.alloc(512, 1);
    const body = Buffer.alloc(2 << 20, 2); // a large file's body: a view of its unpacked .deb
    const small = Array.from({ length: 1200 }, (_, i) => Buffer.alloc(512, i % 251));
    for (const c of [header, body, ...small]) t.write(c);
    t.end();
    await ended;
    expect(out[0]!.equals(header)).toBe(true);
    expect(out[1]).toBe(body);
    // 1200 small chunks of 512 bytes: one chunk of 512 KiB (1024 of them), then the rest.
    expect(out.slice(2).map((c) => c.length)).toEqual([512 * 1024, 176 * 512]);
    // (Buffer.equals: a deep toEqual of megabytes takes seconds.)
    expect(Buffer.concat(out).equals(Buffer.concat([header, body, ...small]))).toBe(true);
  });
});

describe('whiteouts', () => {
  it('names the hidden path ".wh.<name>" beside it, mode 0, empty', () => {
    expect(whiteout('etc/motd')).toEqual({
      path: 'etc/.wh.motd',
      type: 'file',
      mode: 0,
      uid: 0,
      gid: 0,
    });
    expect(whiteout('motd').path).toBe('.wh.motd');
    expect(opaqueWhiteout('var/cache/apt').path).toBe('var/cache/apt/.wh..wh..opq');
  });
});
