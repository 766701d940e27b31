import { describe, expect, it } from 'vitest';
import { copyrightLicense, copyrightLicenseNames } from '../../../src/sbom/copyright.js';
import { normalizeProjectName, parseDistMetadata } from '../../../src/sbom/dist-info.js';
import { allOf, debianLicense, KNOWN_LICENSE_IDS, licenseRef } from '../../../src/sbom/licenses.js';
import { spdxLicenseIds } from './schemas.js';

describe('Debian license names as SPDX expressions', () => {
  it.each([
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['Expat', 'MIT'],
    ['LGPL-2.1', 'LGPL-2.1-only'],
    ['GPL-2+ or Artistic', 'GPL-2.0-or-later OR Artistic-1.0-Perl'],
    ['BSD-3-clause and Expat', 'BSD-3-Clause AND MIT'],
    ['public-domain', 'LicenseRef-public-domain'],
    ['GPL-3+ with Bison exception', 'GPL-3.0-or-later AND LicenseRef-Bison-exception'],
    ['Artistic or GPL-1+, and Zlib', '(Artistic-1.0-Perl OR GPL-1.0-or-later) AND Zlib'],
  ])('%s -> %s', (name, spdx) => {
    expect(debianLicense(name)).toBe(spdx);
  });

  it('LicenseRef ids hold only what SPDX allows', () => {
    expect(licenseRef('BSD-4-clause (UC)')).toBe('LicenseRef-BSD-4-clause-UC');
    expect(licenseRef('???')).toBe('LicenseRef-unknown');
  });

  it('all of several licenses: sorted, deduplicated, compound ones in parentheses', () => {
    expect(allOf(['MIT', 'GPL-2.0-only OR MIT', 'MIT'])).toBe('(GPL-2.0-only OR MIT) AND MIT');
    expect(allOf([])).toBeUndefined();
  });

  it('every id kubox writes as a CycloneDX license.id is on the SPDX license list', () => {
    const official = spdxLicenseIds();
    expect(official.size).toBeGreaterThan(500);
    expect([...KNOWN_LICENSE_IDS].filter((id) => !official.has(id))).toEqual([]);
  });
});

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: util-linux

Files: *
Copyright: 2008-2012 Karel Zak
License: GPL-2+
 This program is free software...
 .
 On Debian systems, see /usr/share/common-licenses/GPL-2.

Files: libuuid/*
Copyright: 1996, 1997, 1998, 1999, 2007 Theodore Ts'o.
License: BSD-3-clause

Files: debian/*
Copyright: none
License: GPL-2+

License: BSD-3-clause
 Redistribution and use in source and binary forms...
`;

describe('copyright files', () => {
  it('DEP-5: every Files paragraph license (first line), all of them applying', () => {
    expect(copyrightLicenseNames(DEP5)).toEqual(['BSD-3-clause', 'GPL-2+']);
    expect(copyrightLicense(DEP5)).toBe('BSD-3-Clause AND GPL-2.0-or-later');
  });

  it('free-form: the common-licenses texts it points at, else nothing', () => {
    const glibc =
      'This is the Debian prepackaged version of the GNU C Library.\n\n' +
      'On Debian systems, the complete text of the GNU Library General Public\n' +
      "License can be found in `/usr/share/common-licenses/LGPL-2.1'.\n" +
      'See /usr/share/common-licenses/GPL-2.\n';
    expect(copyrightLicense(glibc)).toBe('GPL-2.0-only AND LGPL-2.1-only');
    expect(copyrightLicense('Copyright 1999 somebody. Do what you like.\n')).toBeUndefined();
  });
});

describe('Python core metadata', () => {
  it('License-Expression (PEP 639) first', () => {
    const m = parseDistMetadata(
      'Metadata-Version: 2.4\nName: Typing_Extensions\nVersion: 4.8.0\nLicense-Expression: PSF-2.0\nClassifier: License :: OSI Approved :: MIT License\n\nbody: ignored\n',
    );
    expect(m).toEqual({ name: 'Typing_Extensions', version: '4.8.0', license: 'PSF-2.0' });
    expect(normalizeProjectName(m!.name)).toBe('typing-extensions');
  });

  it('then the license classifiers, then a plain License: name; free text is no license', () => {
    expect(
      parseDistMetadata(
        'Name: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\n',
      )?.license,
    ).toBe('Apache-2.0');
    expect(parseDistMetadata('Name: six\nVersion: 1.16.0\nLicense: MIT\n')?.license).toBe('MIT');
    expect(
      parseDistMetadata('Name: odd\nVersion: 1\nLicense: Copyright (c) me, all rights reserved\n')
        ?.license,
    ).toBeUndefined();
    expect(parseDistMetadata('Version: 1\n')).toBeUndefined();
  });
});
