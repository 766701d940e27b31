/**
 * A Debian package's license, from its /usr/share/doc/NAME/copyright. The
 * machine-readable format (DEP-5) says it in a way a program can read: every
 * `License:` field's first line. A free-form file is only trusted where it
 * points at a license text Debian ships (/usr/share/common-licenses/GPL-2),
 * as Trivy does too; otherwise there is no license (NOASSERTION). Pure.
 */
import { parseParagraphs } from '../debian/control.js';
import { allOf, debianLicense } from './licenses.js';

const DEP5 = /^Format:\s*\S*copyright-format\/1\.0/im;

/** The raw License: names (first lines), sorted and deduplicated, or [] for a free-form file. */
export function copyrightLicenseNames(text: string): string[] {
  if (!DEP5.test(text.slice(0, 4096))) return commonLicenseNames(text);
  let paragraphs;
  try {
    paragraphs = parseParagraphs(text);
  } catch {
    // A malformed file is not the package's fault to fail an SBOM on: no license known.
    return [];
  }
  const names = new Set<string>();
  for (const p of paragraphs) {
    // Stand-alone License paragraphs (no Files:) only spell out texts the Files paragraphs name.
    if (p.get('Files') === undefined && p.get('Format') === undefined) continue;
    const first = p.get('License')?.split('\n')[0]?.trim();
    if (first) names.add(first);
  }
  return [...names].sort();
}

/** Names of /usr/share/common-licenses/NAME a free-form copyright file refers to. */
function commonLicenseNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(
    /\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9+])/g,
  ))
    names.add(m[1]!);
  return [...names].sort();
}

/** The SPDX expression for a copyright file's licenses: all of them apply (AND). */
export function copyrightLicense(text: string): string | undefined {
  return allOf(copyrightLicenseNames(text).flatMap((n) => debianLicense(n) ?? []));
}
