import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseParagraphs } from '../../../src/debian/control.js';
import {
  PackageIndex,
  recordFromParagraph,
  resolve,
  ResolveError,
  type PackageRecord,
} from '../../../src/debian/resolve.js';

function index(text: string, arch = 'amd64'): PackageIndex {
  const idx = new PackageIndex(arch);
  for (const p of parseParagraphs(text)) idx.add(recordFromParagraph(p));
  return idx;
}
const names = (list: PackageRecord[]) => list.map((p) => `${p.name}=${p.version}`);

const REPO = `Package: curl
Version: 7.88.1-10
Architecture: amd64
Depends: libc6 (>= 2.34), libcurl4 (= 7.88.1-10)

Package: libcurl4
Version: 7.88.1-10
Architecture: amd64
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.0)
Recommends: ca-certificates

Package: libc6
Version: 2.36-9
Architecture: amd64

Package: libssl3
Version: 3.0.11-1
Architecture: amd64

Package: ca-certificates
Version: 20230311
Architecture: all

Package: netcat-openbsd
Version: 1.219-1
Architecture: amd64
Provides: netcat
Depends: libc6 (>= 2.34)

Package: redis-tools
Version: 5:7.0.15-1
Architecture: amd64
Depends: libc6 (>= 2.34), libjemalloc2 | libtcmalloc4

Package: libjemalloc2
Version: 5.3.0-1
Architecture: arm64

Package: libtcmalloc4
Version: 2.10-1
Architecture: amd64

Package: mawk
Version: 1.3.4-1
Architecture: amd64
Provides: awk (= 1.3.4)

Package: needs-new-awk
Version: 1.0
Architecture: all
Depends: awk (>= 2.0)

Package: wants-awk
Version: 1.0
Architecture: all
Depends: awk (>= 1.0)

Package: fighter
Version: 1.0
Architecture: all
Conflicts: libssl3

Package: old-tool
Version: 1.0
Architecture: amd64
Depends: libc6 (>= 2.40)
`;

describe('resolve', () => {
  it('follows Depends, dependencies first, without Recommends by default', () => {
    expect(names(resolve(index(REPO), ['curl']))).toEqual([
      'libc6=2.36-9',
      'libssl3=3.0.11-1',
      'libcurl4=7.88.1-10',
      'curl=7.88.1-10',
    ]);
  });

  it('adds Recommends when asked', () => {
    expect(names(resolve(index(REPO), ['curl'], { recommends: true }))).toContain(
      'ca-certificates=20230311',
    );
  });

  it('skips what the base already has', () => {
    const base = index(REPO);
    const installed = new Map([['libc6', base.versions('libc6')[0]!]]);
    expect(names(resolve(base, ['curl'], { installed }))).toEqual([
      'libssl3=3.0.11-1',
      'libcurl4=7.88.1-10',
      'curl=7.88.1-10',
    ]);
  });

  it('takes the first alternative that exists for the architecture', () => {
    expect(names(resolve(index(REPO), ['redis-tools']))).toEqual([
      'libc6=2.36-9',
      'libtcmalloc4=2.10-1',
      'redis-tools=5:7.0.15-1',
    ]);
    expect(names(resolve(index(REPO, 'arm64'), ['libjemalloc2']))).toEqual([
      'libjemalloc2=5.3.0-1',
    ]);
  });

  it('installs a requested real package although an installed one Provides its name, as apt-get install does', () => {
    const idx = index(`Package: apt
Version: 2.6.1
Architecture: amd64
Provides: apt-transport-https (= 2.6.1)

Package: apt-transport-https
Version: 2.6.1
Architecture: all
Depends: apt (>= 1.5~alpha4)

Package: mawk
Version: 1.3.4
Architecture: amd64
Provides: awk
`);
    const apt = idx.versions('apt')[0]!;
    const mawk = idx.versions('mawk')[0]!;
    const installed = new Map([
      ['apt', apt],
      ['mawk', mawk],
    ]);
    // The seed names apt-transport-https: the transitional package is installed, apt stays.
    expect(names(resolve(idx, ['apt-transport-https'], { installed }))).toEqual([
      'apt-transport-https=2.6.1',
    ]);
    // A purely virtual name that something installed provides needs nothing.
    expect(resolve(idx, ['awk'], { installed })).toEqual([]);
  });

  it('satisfies virtual packages through Provides, and versioned ones only through versioned Provides', () => {
    expect(names(resolve(index(REPO), ['wants-awk']))).toEqual(['mawk=1.3.4-1', 'wants-awk=1.0']);
    expect(() => resolve(index(REPO), ['needs-new-awk'])).toThrow(
      'needs-new-awk needs awk (>= 2.0), which cannot be satisfied (no such package)',
    );
  });

  it('names the chain that cannot be satisfied', () => {
    expect(() => resolve(index(REPO), ['old-tool'])).toThrow(
      new ResolveError(
        'old-tool needs libc6 (>= 2.40), which cannot be satisfied (available: libc6 2.36-9)',
      ),
    );
    expect(() => resolve(index(REPO), ['nope'])).toThrow(
      'nope cannot be installed: no such package for this architecture',
    );
    expect(() => resolve(index(REPO), ['curl=1.0'])).toThrow(
      'curl=1.0 cannot be installed: available versions are 7.88.1-10',
    );
  });

  it('refuses a conflict and says where each side comes from', () => {
    expect(() => resolve(index(REPO), ['curl', 'fighter'])).toThrow(
      'fighter conflicts with libssl3 3.0.11-1 (curl -> libcurl4 -> libssl3)',
    );
  });

  it("reads this machine's real dpkg status file", () => {
    const installed = parseParagraphs(readFileSync('/var/lib/dpkg/status', 'utf8')).map(
      recordFromParagraph,
    );
    const dpkg = installed.find((p) => p.name === 'dpkg')!;
    expect(dpkg.essential).toBe(true);
    expect(dpkg.version).toMatch(/^\d/);
    expect(installed.length).toBeGreaterThan(100);
  });
});
