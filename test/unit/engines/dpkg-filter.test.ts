import { describe, expect, it } from 'vitest';
import { keptPaths, parseDpkgFilters } from '../../../src/engines/native/dpkg-filter.js';

// The filters debian:bookworm-slim (and so python:3.13-slim) ships in /etc/dpkg/dpkg.cfg.d/docker.
const SLIM = `# This is the "slim" variant of the Debian base image.
path-exclude /usr/share/doc/*
# we might as well include copyright
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`;

describe('dpkg path filters', () => {
  const filters = parseDpkgFilters(new Map([['docker', SLIM]]));
  it('drops docs, man pages and locales but keeps copyright files and their directories', () => {
    const kept = keptPaths(
      [
        'usr',
        'usr/bin',
        'usr/bin/tree',
        'usr/share',
        'usr/share/doc',
        'usr/share/doc/tree',
        'usr/share/doc/tree/changelog.Debian.gz',
        'usr/share/doc/tree/copyright',
        'usr/share/man',
        'usr/share/man/man1',
        'usr/share/man/man1/tree.1.gz',
        'usr/share/locale/de/LC_MESSAGES/x.mo',
      ],
      filters,
    );
    expect([...kept].sort()).toEqual([
      'usr',
      'usr/bin',
      'usr/bin/tree',
      'usr/share',
      'usr/share/doc',
      'usr/share/doc/tree',
      'usr/share/doc/tree/copyright',
      'usr/share/man',
    ]);
  });

  it('reads both "=" and space forms, in file-name order, the last match deciding', () => {
    const f = parseDpkgFilters(
      new Map([
        ['20-include', 'path-include=/opt/keep/*\n'],
        ['10-exclude', 'path-exclude=/opt/*\n'],
      ]),
    );
    expect([...keptPaths(['opt/a', 'opt/keep/b'], f)].sort()).toEqual([
      'opt',
      'opt/keep',
      'opt/keep/b',
    ]);
  });

  it('keeps everything without filters', () => {
    expect(keptPaths(['a', 'a/b'], []).size).toBe(2);
  });

  it('brings back excluded directories and symlinks an include pattern could reach below, as dpkg does', () => {
    // libatomic1 ships /usr/share/doc/libatomic1 -> gcc-12-base; some packages an examples dir.
    const linkOrDir = new Set([
      'usr/share/doc/libatomic1',
      'usr/share/doc/tree/examples',
      'usr/share/man/man1',
      'usr/share/man/man1/tree.1.gz',
    ]);
    const kept = keptPaths(
      [
        'usr/share/doc/libatomic1',
        'usr/share/doc/tree/examples',
        'usr/share/doc/tree/examples/a.txt',
        'usr/share/man/man1',
        'usr/share/man/man1/tree.1.gz',
      ],
      filters,
      (p) => linkOrDir.has(p),
    );
    // Files stay excluded; man has no include pattern, so nothing there comes back.
    expect([...kept].sort()).toEqual([
      'usr',
      'usr/share',
      'usr/share/doc',
      'usr/share/doc/libatomic1',
      'usr/share/doc/tree',
      'usr/share/doc/tree/examples',
    ]);
  });

  it("takes an include pattern's literal part up to its first wildcard", () => {
    const f = parseDpkgFilters(
      new Map([['x', 'path-include /a/b?c/*\npath-include /plain/path\n']]),
    );
    expect(f.map((x) => x.prefix)).toEqual(['/a/b', '/plain/path']);
  });
});
