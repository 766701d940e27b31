import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../../src/oci/file-entry.js';
import { mapEntries, usrMergeMap } from '../../../src/dpkg/usrmerge.js';

// bookworm's merged /usr: bin -> usr/bin, sbin -> usr/sbin, lib -> usr/lib, lib64 -> usr/lib64.
const links = new Map([
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib', 'usr/lib'],
  ['lib64', '/usr/lib64'],
]);
const map = usrMergeMap((d) => links.get(d));

const entry = (path: string, type: FileEntry['type'] = 'file', linkname?: string): FileEntry => ({
  path,
  type,
  mode: type === 'directory' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  ...(linkname !== undefined ? { linkname } : {}),
});

describe('usrMergeMap', () => {
  it('sends paths under a symlinked top-level directory into /usr', () => {
    expect(map('bin/ls')).toBe('usr/bin/ls');
    expect(map('lib/x86_64-linux-gnu/libz.so.1')).toBe('usr/lib/x86_64-linux-gnu/libz.so.1');
    expect(map('lib64/ld-linux-x86-64.so.2')).toBe('usr/lib64/ld-linux-x86-64.so.2');
    expect(map('./sbin/ip')).toBe('usr/sbin/ip');
  });

  it('maps the symlinked directory itself to "" and leaves everything else alone', () => {
    expect(map('bin')).toBe('');
    expect(map('bin/')).toBe('');
    expect(map('usr/bin/vim.basic')).toBe('usr/bin/vim.basic');
    expect(map('binaries/x')).toBe('binaries/x');
    expect(map('etc/vim/vimrc')).toBe('etc/vim/vimrc');
  });

  it('maps nothing on a base without merged /usr', () => {
    const plain = usrMergeMap(() => undefined);
    expect(plain('bin/ls')).toBe('bin/ls');
    expect(plain('bin')).toBe('bin');
  });
});

describe('mapEntries', () => {
  it('rewrites paths and hardlink targets, drops the symlinked dirs, keeps symlink targets', () => {
    const out = mapEntries(
      [
        entry('bin', 'directory'),
        entry('bin/nc.openbsd'),
        entry('bin/nc.traditional', 'hardlink', 'bin/nc.openbsd'),
        entry('bin/netcat', 'symlink', '/bin/nc.openbsd'),
        entry('usr/share/doc/netcat-openbsd', 'directory'),
      ],
      map,
    );
    expect(out.map((e) => [e.path, e.type, e.linkname])).toEqual([
      ['usr/bin/nc.openbsd', 'file', undefined],
      ['usr/bin/nc.traditional', 'hardlink', 'usr/bin/nc.openbsd'],
      ['usr/bin/netcat', 'symlink', '/bin/nc.openbsd'],
      ['usr/share/doc/netcat-openbsd', 'directory', undefined],
    ]);
  });
});
