import { describe, expect, it } from 'vitest';
import { ControlError, parseParagraphs, parseRelations } from '../../../src/debian/control.js';

const PACKAGES = `Package: curl
Version: 7.88.1-10+deb12u12
Architecture: amd64
Depends: libc6 (>= 2.34), libcurl4 (= 7.88.1-10+deb12u12), zlib1g (>= 1:1.1.4)
Description: command line tool for transferring data with URL syntax
 curl is a command line tool for transferring data with URL syntax.
 .
 It supports many protocols.
SHA256: ${'a'.repeat(64)}

Package: netcat-openbsd
Version: 1.219-1
Provides: netcat
Depends: libbsd0 (>= 0.2.0), libc6 (>= 2.34)
Recommends: netcat-traditional | netcat-openbsd
`;

describe('deb822 paragraphs', () => {
  it('reads Packages paragraphs with continuation lines, case-insensitively', () => {
    const [curl, nc] = parseParagraphs(PACKAGES);
    expect(curl!.get('package')).toBe('curl');
    expect(curl!.get('SHA256')).toBe('a'.repeat(64));
    expect(curl!.get('Description')).toBe(
      'command line tool for transferring data with URL syntax\ncurl is a command line tool for transferring data with URL syntax.\n\nIt supports many protocols.',
    );
    expect(nc!.names()).toEqual(['Package', 'Version', 'Provides', 'Depends', 'Recommends']);
  });

  it('reports a broken line with its number', () => {
    expect(() => parseParagraphs('Package: a\n continued\nno colon here\n')).toThrow(/line 3/);
    expect(() => parseParagraphs(' leading continuation\n')).toThrow(ControlError);
  });
});

describe('relationship fields', () => {
  it('parses versions, alternatives, qualifiers and architecture lists', () => {
    expect(
      parseRelations('libc6 (>= 2.34), python3:any, foo [amd64 !arm64], bar | baz (<< 2:1.0~rc1)'),
    ).toEqual([
      [{ name: 'libc6', relation: '>=', version: '2.34' }],
      [{ name: 'python3', archQualifier: 'any' }],
      [{ name: 'foo', architectures: ['amd64', '!arm64'] }],
      [{ name: 'bar' }, { name: 'baz', relation: '<<', version: '2:1.0~rc1' }],
    ]);
  });

  it('reads the obsolete < and > as <= and >=, and ignores build profiles', () => {
    expect(parseRelations('aa (< 1), bb (> 2), cc <!nocheck>')).toEqual([
      [{ name: 'aa', relation: '<=', version: '1' }],
      [{ name: 'bb', relation: '>=', version: '2' }],
      [{ name: 'cc' }],
    ]);
  });

  it('is empty for a missing field and strict for garbage', () => {
    expect(parseRelations(undefined)).toEqual([]);
    expect(parseRelations('  ')).toEqual([]);
    expect(() => parseRelations('libc6 (>= )')).toThrow(/not a package relation/);
  });
});
