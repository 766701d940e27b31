import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/scan/scan.js';
import { countsLine, fixedCell, formatScanTable } from '../../../src/scan/table.js';
import { fixture } from './helpers.js';

const DEBIAN_TABLE = [
  'PACKAGE           INSTALLED          FIXED IN             ID                   SEVERITY  TARGET',
  'zlib1g            1:1.2.13.dfsg-1    will not fix         CVE-2023-45853       CRITICAL  out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libexpat1         2.5.0-1            2.5.0-1+deb12u1      CVE-2024-45491       CRITICAL  out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libexpat1         2.5.0-1            2.5.0-1+deb12u1      CVE-2024-45492       CRITICAL  out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'perl-base         5.36.0-7+deb12u1   -                    CVE-2023-31484       HIGH      out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libssl3           3.0.14-1~deb12u1   3.0.14-1~deb12u2     CVE-2024-6119        HIGH      out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'openssl           3.0.14-1~deb12u1   3.0.14-1~deb12u2     CVE-2024-6119        HIGH      out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'setuptools        65.5.0             70.0.0               CVE-2024-6345        HIGH      Python (+1)',
  'libkrb5-3         1.20.1-2+deb12u1   not affected         CVE-2024-37371       HIGH      out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libtinfo6         6.4-4              fix deferred         CVE-2023-50495       MEDIUM    out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libpam-modules    1.5.2-6+deb12u1    fixed                CVE-2024-10041       MEDIUM    out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libgssapi-krb5-2  1.20.1-2+deb12u1   -                    CVE-2024-26462       MEDIUM    out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'apt               2.6.1              -                    CVE-2011-3374        LOW       out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'util-linux        2.38.1-5+b1        will not fix         CVE-2022-0563        LOW       out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'pip               23.0.1             23.3                 CVE-2023-5752        LOW       Python',
  'libgcrypt20       1.10.1-3           under investigation  CVE-2024-2236        LOW       out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'bash              5.2.15-2+b7        -                    TEMP-0841856-B18BAF  LOW       out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'login             1:4.13+dfsg1-1+b1  -                    CVE-2024-56433       UNKNOWN   out/py-kube-0.9.0.oci.tar (debian 12.8)',
  'libc6             2.36-9+deb12u9     -                    CVE-2025-0395        UNKNOWN   out/py-kube-0.9.0.oci.tar (debian 12.8)',
  '',
  '18 vulnerabilities: 3 CRITICAL, 5 HIGH, 3 MEDIUM, 5 LOW, 2 UNKNOWN (7 fixable, 11 unfixed)',
  'gate FAILED: 7 CRITICAL/HIGH vulnerabilities (5 fixable, 1 not affected)',
].join('\n');

describe('scan summary table', () => {
  it('lists every finding, most severe first, then the counts and the gate line', () => {
    expect(formatScanTable(evaluate(fixture('debian-image.json')))).toBe(DEBIAN_TABLE);
  });

  it('says why a gate with ignoreUnfixed failed', () => {
    const text = formatScanTable(
      evaluate(fixture('debian-image.json'), { severity: ['CRITICAL'], ignoreUnfixed: true }),
    );
    expect(text.split('\n').at(-1)).toBe(
      'gate FAILED: 2 CRITICAL fixable vulnerabilities (1 unfixed ignored)',
    );
  });

  it('prints no table for a clean image, and a passing gate', () => {
    expect(formatScanTable(evaluate(fixture('clean.json'), { ignoreUnfixed: true }))).toBe(
      'no vulnerabilities found\ngate PASSED: no fixable CRITICAL/HIGH vulnerabilities',
    );
  });

  it('paints severities and the verdict through the caller; widths ignore the colors', () => {
    const codes = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 };
    const text = formatScanTable(evaluate(fixture('debian-image.json')), {
      paint: (style, t) => `\x1b[${codes[style]}m${t}\x1b[0m`,
    });
    expect(text).toContain('\x1b[31mCRITICAL\x1b[0m  out/py-kube');
    expect(text).toContain('\x1b[2mLOW\x1b[0m       out/py-kube');
    expect(text).toContain('gate \x1b[31mFAILED\x1b[0m: 7 CRITICAL/HIGH');
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\x1b\[[0-9;]*m/g, '')).toBe(DEBIAN_TABLE);
  });

  it('counts one vulnerability in the singular; FIXED IN says what the vendor said', () => {
    const one = evaluate(fixture('debian-image.json')).counts;
    expect(countsLine({ ...one, total: 1 })).toMatch(/^1 vulnerability: /);
    expect(fixedCell({ fixedVersion: '', status: 'end_of_life' })).toBe('end of life');
    expect(fixedCell({ fixedVersion: '', status: 'affected' })).toBe('-');
    expect(fixedCell({ fixedVersion: '1.2', status: 'fixed' })).toBe('1.2');
  });
});
