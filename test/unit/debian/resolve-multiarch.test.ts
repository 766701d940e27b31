import { describe, expect, it } from 'vitest';
import { parseParagraphs } from '../../../src/debian/control.js';
import { KuboxError } from '../../../src/errors.js';
import {
  PackageIndex,
  recordFromParagraph,
  resolve,
  type PackageRecord,
} from '../../../src/debian/resolve.js';
import { installedFromStatus } from '../../../src/debian/status.js';

function index(text: string, arch = 'amd64'): PackageIndex {
  const idx = new PackageIndex(arch);
  for (const p of parseParagraphs(text)) idx.add(recordFromParagraph(p));
  return idx;
}
const names = (list: PackageRecord[]) => list.map((p) => `${p.name}=${p.version}`);

const REPO = `Package: python3
Version: 3.11.2-1+b1
Architecture: amd64
Multi-Arch: allowed

Package: python3-tool
Version: 1.0
Architecture: all
Depends: python3:any (>= 3.11)

Package: perl-base
Version: 5.36.0-7
Architecture: amd64
Multi-Arch: foreign

Package: perl-user
Version: 1.0
Architecture: amd64
Depends: perl-base:any, perl-base:amd64

Package: libfoo1
Version: 1.0
Architecture: amd64
Multi-Arch: same

Package: wants-any-foo
Version: 1.0
Architecture: amd64
Depends: libfoo1:any

Package: native-user
Version: 1.0
Architecture: amd64
Depends: libfoo1:native

Package: libc6
Version: 2.36-9+deb12u4
Architecture: amd64
Multi-Arch: same

Package: dpkg
Version: 1.22.6
Architecture: amd64
Essential: yes

Package: needs-new-dpkg
Version: 1.0
Architecture: all
Depends: dpkg (>= 1.22)

Package: needs-new-libc
Version: 1.0
Architecture: all
Depends: libc6 (>= 2.36-9+deb12u4)

Package: uses-coreutils
Version: 1.0
Architecture: all
Depends: coreutils

Package: coreutils
Version: 9.1-1
Architecture: amd64
Essential: yes

Package: kubectl
Version: 1.32.3-1.1
Architecture: amd64
Depends: foo (>= 2)

Package: foo
Version: 2.0
Architecture: amd64
Depends: bar (>= 5)

Package: bar
Version: 4.0
Architecture: amd64
`;

const BASE = installedFromStatus(`Package: dpkg
Status: install ok installed
Version: 1.21.22
Architecture: amd64
Essential: yes

Package: coreutils
Status: install ok installed
Version: 9.1-1
Architecture: amd64
Essential: yes

Package: libc6
Status: install ok installed
Version: 2.36-9+deb12u3
Architecture: amd64
Multi-Arch: same
`);

describe('resolve: Multi-Arch', () => {
  it('satisfies :any with a Multi-Arch: allowed package', () => {
    expect(names(resolve(index(REPO), ['python3-tool']))).toEqual([
      'python3=3.11.2-1+b1',
      'python3-tool=1.0',
    ]);
  });

  it('lets a Multi-Arch: foreign package satisfy any qualifier', () => {
    expect(names(resolve(index(REPO), ['perl-user']))).toEqual([
      'perl-base=5.36.0-7',
      'perl-user=1.0',
    ]);
  });

  it('refuses :any on a package that does not allow it, and says why', () => {
    expect(() => resolve(index(REPO), ['wants-any-foo'])).toThrow(
      'wants-any-foo needs libfoo1:any, which cannot be satisfied (available: libfoo1 1.0 (Multi-Arch: same))',
    );
  });

  it('takes :native as the target architecture', () => {
    expect(names(resolve(index(REPO), ['native-user']))).toEqual([
      'libfoo1=1.0',
      'native-user=1.0',
    ]);
  });
});

describe('resolve: the base and its Essential packages', () => {
  it('never adds what the base has as Essential, even unasked-for', () => {
    expect(names(resolve(index(REPO), ['uses-coreutils'], { installed: BASE }))).toEqual([
      'uses-coreutils=1.0',
    ]);
    expect(resolve(index(REPO), ['coreutils'], { installed: BASE })).toEqual([]);
  });

  it('does not upgrade an Essential package of the base, and names it', () => {
    const err = (() => {
      try {
        resolve(index(REPO), ['needs-new-dpkg'], { installed: BASE });
      } catch (e) {
        return e;
      }
    })() as KuboxError;
    expect(err).toBeInstanceOf(KuboxError);
    expect(err.kind).toBe('resolve');
    expect(err.message).toBe(
      'needs-new-dpkg needs dpkg (>= 1.22), which cannot be satisfied (the base has dpkg 1.21.22, Essential, which kubox does not upgrade)',
    );
  });

  it('upgrades a non-Essential base package when a dependency needs a newer one, as apt does', () => {
    expect(names(resolve(index(REPO), ['needs-new-libc'], { installed: BASE }))).toEqual([
      'libc6=2.36-9+deb12u4',
      'needs-new-libc=1.0',
    ]);
  });

  it('names the whole chain down to the package that has no fitting version', () => {
    expect(() => resolve(index(REPO), ['kubectl'])).toThrow(
      'kubectl -> foo needs bar (>= 5), which cannot be satisfied (available: bar 4.0)',
    );
  });
});
