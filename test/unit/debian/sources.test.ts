import { describe, expect, it } from 'vitest';
import {
  byHashUrl,
  debianSources,
  packagesUrls,
  poolUrl,
  releaseUrl,
  type AptSource,
} from '../../../src/debian/sources.js';

const k8s: AptSource = {
  name: 'kubernetes',
  url: 'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/',
  suite: '/',
  components: [],
  keys: { url: 'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/Release.key' },
};

describe('debianSources', () => {
  it('lists the release, -updates and -security as a Debian image does', () => {
    expect(debianSources({ codename: 'bookworm' })).toEqual([
      {
        name: 'debian',
        url: 'http://deb.debian.org/debian/',
        suite: 'bookworm',
        components: ['main'],
        keys: 'debian',
      },
      {
        name: 'debian-updates',
        url: 'http://deb.debian.org/debian/',
        suite: 'bookworm-updates',
        components: ['main'],
        keys: 'debian',
      },
      {
        name: 'debian-security',
        url: 'http://deb.debian.org/debian-security/',
        suite: 'bookworm-security',
        components: ['main'],
        keys: 'debian',
      },
    ]);
  });

  it('uses the mirrors it is given, with or without a trailing slash', () => {
    const [main, , security] = debianSources({
      codename: 'trixie',
      mirror: 'https://mirror.example.org/debian',
      securityMirror: 'https://security.example.org/debian-security/',
    });
    expect(releaseUrl(main!)).toBe('https://mirror.example.org/debian/dists/trixie/InRelease');
    expect(releaseUrl(security!)).toBe(
      'https://security.example.org/debian-security/dists/trixie-security/InRelease',
    );
  });

  it('points a snapshot at snapshot.debian.org and does not check its expired Valid-Until', () => {
    const sources = debianSources({ codename: 'bookworm', snapshot: '20250101T000000Z' });
    expect(sources.map((s) => [s.url, s.suite, s.checkValidUntil])).toEqual([
      ['https://snapshot.debian.org/archive/debian/20250101T000000Z/', 'bookworm', false],
      ['https://snapshot.debian.org/archive/debian/20250101T000000Z/', 'bookworm-updates', false],
      [
        'https://snapshot.debian.org/archive/debian-security/20250101T000000Z/',
        'bookworm-security',
        false,
      ],
    ]);
    expect(
      debianSources({ codename: 'bookworm' }).every((s) => s.checkValidUntil === undefined),
    ).toBe(true);
    expect(() => debianSources({ codename: 'bookworm', snapshot: '2025-01-01' })).toThrow(
      'snapshot "2025-01-01" is not a snapshot.debian.org timestamp',
    );
  });

  it('has no -updates or -security for unstable', () => {
    expect(debianSources({ codename: 'sid' }).map((s) => s.suite)).toEqual(['sid']);
  });
});

describe('index and pool URLs', () => {
  const [bookworm] = debianSources({ codename: 'bookworm' });

  it('finds Packages per component and architecture, best compression first', () => {
    expect(packagesUrls(bookworm!, 'arm64', 'main')).toEqual([
      {
        path: 'main/binary-arm64/Packages.xz',
        url: 'http://deb.debian.org/debian/dists/bookworm/main/binary-arm64/Packages.xz',
        compression: 'xz',
      },
      {
        path: 'main/binary-arm64/Packages.gz',
        url: 'http://deb.debian.org/debian/dists/bookworm/main/binary-arm64/Packages.gz',
        compression: 'gz',
      },
      {
        path: 'main/binary-arm64/Packages',
        url: 'http://deb.debian.org/debian/dists/bookworm/main/binary-arm64/Packages',
        compression: 'none',
      },
    ]);
    expect(byHashUrl(bookworm!, 'main/binary-arm64/Packages.xz', 'ab'.repeat(32))).toBe(
      `http://deb.debian.org/debian/dists/bookworm/main/binary-arm64/by-hash/SHA256/${'ab'.repeat(32)}`,
    );
    expect(poolUrl(bookworm!, 'pool/main/v/vim/vim_9.0.1378-2_amd64.deb')).toBe(
      'http://deb.debian.org/debian/pool/main/v/vim/vim_9.0.1378-2_amd64.deb',
    );
  });

  it('reads a flat repository from its root', () => {
    expect(releaseUrl(k8s)).toBe('http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/InRelease');
    expect(packagesUrls(k8s, 'amd64', '').map((l) => [l.path, l.url])).toEqual([
      ['Packages.xz', 'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/Packages.xz'],
      ['Packages.gz', 'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/Packages.gz'],
      ['Packages', 'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/Packages'],
    ]);
    expect(poolUrl(k8s, 'amd64/kubectl_1.32.3-1.1_amd64.deb')).toBe(
      'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/amd64/kubectl_1.32.3-1.1_amd64.deb',
    );
    const sub = { ...k8s, suite: 'stable/' };
    expect(releaseUrl(sub)).toBe(
      'http://127.0.0.1:8080/k8s/core:/stable:/v1.32/deb/stable/InRelease',
    );
  });
});
