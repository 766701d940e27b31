import { describe, expect, it } from 'vitest';
import {
  dpkgListPaths,
  infoFiles,
  mergeStatus,
  statusParagraph,
  type InstalledPackage,
} from '../../../src/dpkg/dpkg-state.js';

// DEBIAN/control of vim-tiny 2:9.0.1378-2+deb12u2 (bookworm), field order as in the .deb.
const VIM_TINY_CONTROL = `Package: vim-tiny
Source: vim
Version: 2:9.0.1378-2+deb12u2
Architecture: amd64
Maintainer: Debian Vim Maintainers <team+vim@tracker.debian.org>
Installed-Size: 1725
Depends: vim-common (= 2:9.0.1378-2+deb12u2), libacl1 (>= 2.2.23), libc6 (>= 2.34), libselinux1 (>= 3.1~), libtinfo6 (>= 6)
Suggests: indent
Provides: editor
Section: editors
Priority: optional
Homepage: https://www.vim.org/
Description: Vi IMproved - enhanced vi editor - compact version
 Vim is an almost compatible version of the UNIX editor Vi.
 .
 This package contains a minimal version of Vim compiled with no GUI and
 a small subset of features.
`;

const pkg = (over: Partial<InstalledPackage> = {}): InstalledPackage => ({
  name: 'vim-tiny',
  arch: 'amd64',
  control: VIM_TINY_CONTROL,
  files: [
    './',
    './etc/',
    './etc/vim/',
    './etc/vim/vimrc.tiny',
    './usr/',
    './usr/bin/',
    './usr/bin/vim.tiny',
  ],
  md5sums: 'd41d8cd98f00b204e9800998ecf8427e  usr/bin/vim.tiny\n',
  conffiles: '/etc/vim/vimrc.tiny\n',
  conffileMd5: new Map([['/etc/vim/vimrc.tiny', 'a1a8c7c2e0a3a0b0e8a47d2b0b0b0b0b']]),
  scripts: new Map([
    ['postinst', new TextEncoder().encode('#!/bin/sh\nset -e\n')],
    ['prerm', new TextEncoder().encode('#!/bin/sh\n')],
  ]),
  ...over,
});

describe('statusParagraph', () => {
  it("writes the fields in dpkg's order with Status and Conffiles, unknown fields last", () => {
    expect(statusParagraph(pkg())).toBe(`Package: vim-tiny
Status: install ok installed
Priority: optional
Section: editors
Installed-Size: 1725
Maintainer: Debian Vim Maintainers <team+vim@tracker.debian.org>
Architecture: amd64
Source: vim
Version: 2:9.0.1378-2+deb12u2
Provides: editor
Depends: vim-common (= 2:9.0.1378-2+deb12u2), libacl1 (>= 2.2.23), libc6 (>= 2.34), libselinux1 (>= 3.1~), libtinfo6 (>= 6)
Suggests: indent
Conffiles:
 /etc/vim/vimrc.tiny a1a8c7c2e0a3a0b0e8a47d2b0b0b0b0b
Description: Vi IMproved - enhanced vi editor - compact version
 Vim is an almost compatible version of the UNIX editor Vi.
 .
 This package contains a minimal version of Vim compiled with no GUI and
 a small subset of features.
Homepage: https://www.vim.org/
`);
  });

  it('puts Essential/Protected before Status, drops "no" defaults, marks flagged and missing conffiles', () => {
    const text = statusParagraph(
      pkg({
        name: 'x',
        control:
          'Package: x\nVersion: 1\nMulti-Arch: no\nProtected: yes\nEssential: no\nArchitecture: all\nMaintainer: m\nDescription: d\n',
        conffiles: '/etc/x.conf\nremove-on-upgrade /etc/old.conf\n',
        conffileMd5: new Map(),
      }),
    );
    expect(text).toBe(
      'Package: x\nProtected: yes\nStatus: install ok installed\nMaintainer: m\nArchitecture: all\nVersion: 1\n' +
        'Conffiles:\n /etc/x.conf newconffile\n /etc/old.conf newconffile remove-on-upgrade\nDescription: d\n',
    );
  });
});

const para = (name: string, arch = 'amd64', extra = '') =>
  `Package: ${name}\nStatus: install ok installed\nArchitecture: ${arch}\n${extra}Version: 1\nDescription: ${name}\n`;

describe('mergeStatus', () => {
  const base = `${para('apt')}\n${para('libc6', 'amd64', 'Multi-Arch: same\n')}\n${para('zlib1g')}\n`;

  it('inserts new packages in name order and keeps base paragraphs byte for byte', () => {
    const out = mergeStatus(base, [pkg()]);
    const names = [...out.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]);
    expect(names).toEqual(['apt', 'libc6', 'vim-tiny', 'zlib1g']);
    expect(
      out.startsWith(
        `${para('apt')}\n${para('libc6', 'amd64', 'Multi-Arch: same\n')}\nPackage: vim-tiny\n`,
      ),
    ).toBe(true);
    expect(out.endsWith(`\n${para('zlib1g')}\n`)).toBe(true);
  });

  it('replaces a package in place, and keeps another architecture of a Multi-Arch: same one', () => {
    const upgraded = pkg({
      name: 'apt',
      control: 'Package: apt\nVersion: 2\nArchitecture: amd64\nDescription: new\n',
    });
    const i386 = pkg({
      name: 'libc6',
      arch: 'i386',
      control: 'Package: libc6\nVersion: 1\nArchitecture: i386\nMulti-Arch: same\nDescription: x\n',
    });
    const out = mergeStatus(base, [upgraded, i386]);
    expect(out.match(/^Package: apt$/gm)).toHaveLength(1);
    expect(out).toContain(
      'Package: apt\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2\n',
    );
    const libc = [...out.matchAll(/^Package: libc6\n(?:.+\n)*?Architecture: (.*)$/gm)].map(
      (m) => m[1],
    );
    expect(libc).toEqual(['amd64', 'i386']);
  });
});

describe('info files', () => {
  it('lists paths the way dpkg does', () => {
    expect(dpkgListPaths(['./', './usr/', './usr/bin/vim.tiny', '/.', 'etc/'])).toEqual([
      '/.',
      '/usr',
      '/usr/bin/vim.tiny',
      '/.',
      '/etc',
    ]);
  });

  it('writes .list, .md5sums, .conffiles and the scripts with their modes', () => {
    const files = infoFiles(pkg());
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect([...byPath.keys()]).toEqual([
      'var/lib/dpkg/info/vim-tiny.list',
      'var/lib/dpkg/info/vim-tiny.md5sums',
      'var/lib/dpkg/info/vim-tiny.conffiles',
      'var/lib/dpkg/info/vim-tiny.postinst',
      'var/lib/dpkg/info/vim-tiny.prerm',
    ]);
    expect(new TextDecoder().decode(byPath.get('var/lib/dpkg/info/vim-tiny.list')!.data)).toBe(
      '/.\n/etc\n/etc/vim\n/etc/vim/vimrc.tiny\n/usr\n/usr/bin\n/usr/bin/vim.tiny\n',
    );
    expect(byPath.get('var/lib/dpkg/info/vim-tiny.postinst')!.mode).toBe(0o755);
    expect(byPath.get('var/lib/dpkg/info/vim-tiny.md5sums')!.mode).toBe(0o644);
    expect(files.every((f) => f.uid === 0 && f.gid === 0 && f.type === 'file')).toBe(true);
  });

  it('qualifies Multi-Arch: same packages with their architecture', () => {
    const files = infoFiles(
      pkg({
        name: 'libz1',
        multiArch: 'same',
        conffiles: undefined,
        scripts: new Map([['triggers', new TextEncoder().encode('activate-noawait ldconfig\n')]]),
      }),
    );
    expect(files.map((f) => [f.path, f.mode])).toEqual([
      ['var/lib/dpkg/info/libz1:amd64.list', 0o644],
      ['var/lib/dpkg/info/libz1:amd64.md5sums', 0o644],
      ['var/lib/dpkg/info/libz1:amd64.triggers', 0o644],
    ]);
  });
});
