/**
 * License names as packages write them (Debian's copyright short names,
 * Python's classifiers and License: fields) turned into SPDX license
 * expressions. A name with no SPDX id becomes a `LicenseRef-` of its own, so
 * the expression stays valid and nothing is silently dropped. Pure.
 */

/** Debian's DEP-5 short names (and common spellings) that differ from the SPDX id. */
const DEBIAN: Record<string, string> = {
  'gpl-1': 'GPL-1.0-only',
  'gpl-1+': 'GPL-1.0-or-later',
  'gpl-2': 'GPL-2.0-only',
  'gpl-2+': 'GPL-2.0-or-later',
  'gpl-3': 'GPL-3.0-only',
  'gpl-3+': 'GPL-3.0-or-later',
  'lgpl-2': 'LGPL-2.0-only',
  'lgpl-2+': 'LGPL-2.0-or-later',
  'lgpl-2.1': 'LGPL-2.1-only',
  'lgpl-2.1+': 'LGPL-2.1-or-later',
  'lgpl-3': 'LGPL-3.0-only',
  'lgpl-3+': 'LGPL-3.0-or-later',
  'agpl-3': 'AGPL-3.0-only',
  'agpl-3+': 'AGPL-3.0-or-later',
  'gfdl-1.2': 'GFDL-1.2-only',
  'gfdl-1.2+': 'GFDL-1.2-or-later',
  'gfdl-1.3': 'GFDL-1.3-only',
  'gfdl-1.3+': 'GFDL-1.3-or-later',
  'gfdl-niv-1.3+': 'GFDL-1.3-no-invariants-or-later',
  expat: 'MIT',
  mit: 'MIT',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause',
  isc: 'ISC',
  zlib: 'Zlib',
  'apache-2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  'artistic-1.0': 'Artistic-1.0',
  artistic: 'Artistic-1.0-Perl',
  'artistic-2.0': 'Artistic-2.0',
  'mpl-1.1': 'MPL-1.1',
  'mpl-2.0': 'MPL-2.0',
  'cc0-1.0': 'CC0-1.0',
  cc0: 'CC0-1.0',
  'psf-2': 'PSF-2.0',
  python: 'Python-2.0',
  'python-2.0': 'Python-2.0',
  'zpl-2.1': 'ZPL-2.1',
  openssl: 'OpenSSL',
  curl: 'curl',
  x11: 'X11',
  'unicode-dfs-2016': 'Unicode-DFS-2016',
  'bsl-1.0': 'BSL-1.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by-sa-3.0': 'CC-BY-SA-3.0',
  'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  'epl-1.0': 'EPL-1.0',
  'epl-2.0': 'EPL-2.0',
  wtfpl: 'WTFPL',
  unlicense: 'Unlicense',
  'ofl-1.1': 'OFL-1.1',
  sleepycat: 'Sleepycat',
  vim: 'Vim',
  tcl: 'TCL',
  '0bsd': '0BSD',
};

/** Trove classifiers (`License :: OSI Approved :: X`, last part) Python projects use. */
const CLASSIFIERS: Record<string, string> = {
  'mit license': 'MIT',
  'bsd license': 'BSD-3-Clause',
  'apache software license': 'Apache-2.0',
  'isc license (iscl)': 'ISC',
  'mozilla public license 2.0 (mpl 2.0)': 'MPL-2.0',
  'python software foundation license': 'PSF-2.0',
  'gnu general public license v2 (gplv2)': 'GPL-2.0-only',
  'gnu general public license v2 or later (gplv2+)': 'GPL-2.0-or-later',
  'gnu general public license v3 (gplv3)': 'GPL-3.0-only',
  'gnu general public license v3 or later (gplv3+)': 'GPL-3.0-or-later',
  'gnu lesser general public license v2 (lgplv2)': 'LGPL-2.0-only',
  'gnu lesser general public license v2 or later (lgplv2+)': 'LGPL-2.0-or-later',
  'gnu lesser general public license v3 (lgplv3)': 'LGPL-3.0-only',
  'gnu lesser general public license v3 or later (lgplv3+)': 'LGPL-3.0-or-later',
  'gnu library or lesser general public license (lgpl)': 'LGPL-2.0-or-later',
  'the unlicense (unlicense)': 'Unlicense',
  'zope public license': 'ZPL-2.1',
  'academic free license (afl)': 'AFL-3.0',
  'eclipse public license 2.0 (epl-2.0)': 'EPL-2.0',
  'university of illinois/ncsa open source license': 'NCSA',
  'historical permission notice and disclaimer (hpnd)': 'HPND',
};

/** Free-text License: values (setup.py's license=) that name a license plainly. */
const PLAIN: Record<string, string> = {
  mit: 'MIT',
  'mit license': 'MIT',
  bsd: 'BSD-3-Clause',
  'bsd license': 'BSD-3-Clause',
  'new bsd license': 'BSD-3-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  '3-clause bsd license': 'BSD-3-Clause',
  'bsd-2-clause': 'BSD-2-Clause',
  'apache 2.0': 'Apache-2.0',
  'apache-2.0': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0',
  'apache license, version 2.0': 'Apache-2.0',
  'apache software license': 'Apache-2.0',
  isc: 'ISC',
  'isc license': 'ISC',
  'mpl-2.0': 'MPL-2.0',
  'mpl 2.0': 'MPL-2.0',
  psf: 'PSF-2.0',
  'psf license': 'PSF-2.0',
  'lgpl-2.1': 'LGPL-2.1-only',
  'lgplv3+': 'LGPL-3.0-or-later',
  gplv2: 'GPL-2.0-only',
  gplv3: 'GPL-3.0-only',
  'gplv3+': 'GPL-3.0-or-later',
};

/** `LicenseRef-` ids may hold letters, digits, "." and "-" only. */
export function licenseRef(name: string): string {
  const id = name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `LicenseRef-${id || 'unknown'}`;
}

/** Every id a license expression names (not the operators), in order of appearance. */
export function licenseIds(expression: string): string[] {
  return expression.split(/[\s()]+/).filter((t) => t !== '' && !/^(?:AND|OR|WITH)$/.test(t));
}

function debianName(name: string): string {
  const n = name.trim();
  const known = DEBIAN[n.toLowerCase()];
  if (known) return known;
  // "GPL-2+ with OpenSSL exception" and the like: keep the license, name the rest.
  const withExc = /^(\S+)\s+with\s+(.+?)\s+exception$/i.exec(n);
  if (withExc && DEBIAN[withExc[1]!.toLowerCase()])
    return `${DEBIAN[withExc[1]!.toLowerCase()]} AND ${licenseRef(`${withExc[2]}-exception`)}`;
  return licenseRef(n);
}

/**
 * One DEP-5 `License:` first line ("GPL-2+ or Artistic", "BSD-3-clause and
 * MIT", "GPL-1+ or Artistic, and Expat") as an SPDX expression. DEP-5 gives
 * "and" precedence over "or", and a comma before "and" the lowest of all.
 */
export function debianLicense(field: string): string | undefined {
  const f = field.trim();
  if (f === '') return undefined;
  const wrap = (e: string) => (/\s/.test(e) ? `(${e})` : e);
  const groups = f.split(/\s*,\s*and\s+/i).map((group) => {
    const ors = group.split(/\s+or\s+|\s*,\s*(?:or\s+)?/i).filter((s) => s.trim() !== '');
    const terms = ors.map((or) => {
      const ands = or.split(/\s+and\s+/i).map(debianName);
      return ands.length > 1 ? ands.map(wrap).join(' AND ') : ands[0]!;
    });
    return terms.length > 1 ? terms.map(wrap).join(' OR ') : terms[0]!;
  });
  return groups.length > 1 ? groups.map(wrap).join(' AND ') : groups[0];
}

/** Licenses a package is under all of at once ("AND"), deduplicated and sorted for stable output. */
export function allOf(expressions: readonly string[]): string | undefined {
  const uniq = [...new Set(expressions)].sort();
  if (uniq.length === 0) return undefined;
  if (uniq.length === 1) return uniq[0];
  return uniq.map((e) => (/\s/.test(e) ? `(${e})` : e)).join(' AND ');
}

export function classifierLicense(classifier: string): string | undefined {
  const parts = classifier.split('::').map((s) => s.trim());
  if (parts[0] !== 'License' || parts.length < 2) return undefined;
  return CLASSIFIERS[parts[parts.length - 1]!.toLowerCase()];
}

/** A free-text License: value: a known name, or an SPDX-looking id as is; else undefined. */
export function plainLicense(text: string): string | undefined {
  const t = text.trim();
  if (t === '' || t.includes('\n') || t.length > 64) return undefined;
  return PLAIN[t.toLowerCase()] ?? DEBIAN[t.toLowerCase()];
}

/**
 * The SPDX license ids kubox itself writes (its tables' values): a CycloneDX
 * `license.id` must be one of SPDX's list, and these are checked against it
 * in the tests. Any other id is written as an expression instead.
 */
export const KNOWN_LICENSE_IDS: ReadonlySet<string> = new Set(
  [...Object.values(DEBIAN), ...Object.values(CLASSIFIERS), ...Object.values(PLAIN)].filter(
    (v) => !/\s/.test(v),
  ),
);
