import { describe, expect, it } from 'vitest';
import {
  countFindings,
  decideGate,
  findingsOf,
  severityLabel,
  type ScanPolicy,
} from '../../../src/scan/policy.js';
import { fixture } from './helpers.js';

const debian = findingsOf(fixture('debian-image.json'));
const ids = (fs: readonly { id: string; pkgName: string }[]) =>
  fs.map((f) => `${f.id} ${f.pkgName}`);
const policy = (severity: ScanPolicy['severity'], ignoreUnfixed = false): ScanPolicy => ({
  severity,
  ignoreUnfixed,
});

describe('scan policy', () => {
  it('deduplicates (ID, package, installed) across Results and keeps every target', () => {
    expect(debian).toHaveLength(18); // 19 in the report; setuptools is in two Results
    const setuptools = debian.filter((f) => f.id === 'CVE-2024-6345');
    expect(setuptools).toHaveLength(1);
    expect(setuptools[0]!.targets).toEqual(['Python', 'opt/kubox/requirements.txt']);
    expect(setuptools[0]!.target).toBe('Python');
    // The same ID in two packages stays two findings.
    expect(ids(debian.filter((f) => f.id === 'CVE-2024-6119'))).toEqual([
      'CVE-2024-6119 libssl3',
      'CVE-2024-6119 openssl',
    ]);
  });

  it('sorts by severity, then ID, then package', () => {
    expect(debian.map((f) => f.severity)).toEqual([
      ...Array<string>(3).fill('CRITICAL'),
      ...Array<string>(5).fill('HIGH'),
      ...Array<string>(3).fill('MEDIUM'),
      ...Array<string>(5).fill('LOW'),
      ...Array<string>(2).fill('UNKNOWN'),
    ]);
    expect(ids(debian.slice(0, 3))).toEqual([
      'CVE-2023-45853 zlib1g',
      'CVE-2024-45491 libexpat1',
      'CVE-2024-45492 libexpat1',
    ]);
  });

  it('counts by severity, fixable and unfixed', () => {
    expect(countFindings(debian)).toEqual({
      total: 18,
      bySeverity: { CRITICAL: 3, HIGH: 5, MEDIUM: 3, LOW: 5, UNKNOWN: 2 },
      fixable: 7,
      unfixed: 11,
      fixableBySeverity: { CRITICAL: 2, HIGH: 3, MEDIUM: 1, LOW: 1, UNKNOWN: 0 },
    });
    expect(countFindings([])).toMatchObject({ total: 0, fixable: 0, unfixed: 0 });
  });

  it('is fixable with a fixed version, or with status fixed and no version', () => {
    const pam = debian.find((f) => f.pkgName === 'libpam-modules')!;
    expect(pam.fixedVersion).toBe('');
    expect(pam.status).toBe('fixed');
    expect(pam.fixable).toBe(true);
    expect(debian.find((f) => f.pkgName === 'perl-base')!.fixable).toBe(false);
    expect(debian.find((f) => f.pkgName === 'libexpat1')!.fixable).toBe(true);
  });

  it('fails CRITICAL/HIGH (the default) on every such finding but not_affected ones', () => {
    const g = decideGate(debian, policy(['CRITICAL', 'HIGH']));
    expect(g.passed).toBe(false);
    expect(ids(g.failing)).toEqual([
      'CVE-2023-45853 zlib1g',
      'CVE-2024-45491 libexpat1',
      'CVE-2024-45492 libexpat1',
      'CVE-2023-31484 perl-base',
      'CVE-2024-6119 libssl3',
      'CVE-2024-6119 openssl',
      'CVE-2024-6345 setuptools',
    ]);
    expect(g.notAffected).toBe(1);
    expect(g.reason).toBe('7 CRITICAL/HIGH vulnerabilities (5 fixable, 1 not affected)');
  });

  it('with ignoreUnfixed fails only on fixable findings and says how many it ignored', () => {
    const g = decideGate(debian, policy(['HIGH', 'CRITICAL'], true));
    expect(g.passed).toBe(false);
    expect(g.failing).toHaveLength(5);
    expect(g.failing.every((f) => f.fixable)).toBe(true);
    expect(g.ignoredUnfixed).toBe(2);
    expect(g.reason).toBe(
      '5 CRITICAL/HIGH fixable vulnerabilities (2 unfixed ignored, 1 not affected)',
    );
    const low = decideGate(debian, policy(['LOW'], true));
    expect(low.reason).toBe('1 LOW fixable vulnerability (4 unfixed ignored)');
    expect(ids(low.failing)).toEqual(['CVE-2023-5752 pip']);
  });

  it('passes when nothing at the gated severities is left', () => {
    const unknownOnly = decideGate(debian, policy(['UNKNOWN'], true));
    expect(unknownOnly).toMatchObject({ passed: true, failing: [], ignoredUnfixed: 2 });
    expect(unknownOnly.reason).toBe('no fixable UNKNOWN vulnerabilities (2 unfixed ignored)');
    const unknown = decideGate(debian, policy(['UNKNOWN']));
    expect(unknown.passed).toBe(false);
    expect(unknown.reason).toBe('2 UNKNOWN vulnerabilities (0 fixable)');
    const clean = decideGate(findingsOf(fixture('clean.json')), policy(['CRITICAL', 'HIGH']));
    expect(clean).toMatchObject({ passed: true, reason: 'no CRITICAL/HIGH vulnerabilities' });
  });

  it('gates every severity when asked, and labels severities most severe first', () => {
    const all = decideGate(debian, policy(['LOW', 'UNKNOWN', 'CRITICAL', 'MEDIUM', 'HIGH']));
    expect(all.failing).toHaveLength(17);
    expect(all.reason).toBe(
      '17 CRITICAL/HIGH/MEDIUM/LOW/UNKNOWN vulnerabilities (7 fixable, 1 not affected)',
    );
    expect(severityLabel(['MEDIUM', 'CRITICAL'])).toBe('CRITICAL/MEDIUM');
  });
});
