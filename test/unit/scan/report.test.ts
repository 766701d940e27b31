import { describe, expect, it } from 'vitest';
import { KuboxError } from '../../../src/errors.js';
import { normalizeSeverity, normalizeStatus, parseTrivyReport } from '../../../src/scan/report.js';
import { fixture, fixtureText } from './helpers.js';

function parseError(input: unknown): KuboxError {
  try {
    parseTrivyReport(input, 'report.json');
  } catch (e) {
    expect(e).toBeInstanceOf(KuboxError);
    return e as KuboxError;
  }
  throw new Error('expected parseTrivyReport to throw');
}

describe('Trivy JSON report parsing', () => {
  it('reads a Debian image report with several Results, empty ones included', () => {
    const r = fixture('debian-image.json');
    expect(r.schemaVersion).toBe(2);
    expect(r.artifactName).toBe('out/py-kube-0.9.0.oci.tar');
    expect(r.artifactType).toBe('container_image');
    expect(r.os).toEqual({ family: 'debian', name: '12.8' });
    expect(r.results.map((x) => [x.target, x.class, x.type, x.vulnerabilities.length])).toEqual([
      ['out/py-kube-0.9.0.oci.tar (debian 12.8)', 'os-pkgs', 'debian', 16],
      ['Python', 'lang-pkgs', 'python-pkg', 2],
      ['opt/kubox/requirements.txt', 'lang-pkgs', 'pip', 1],
      ['usr/local/bin/mc', 'lang-pkgs', 'gobinary', 0], // Vulnerabilities absent
      ['usr/bin/kubectl', 'lang-pkgs', 'gobinary', 0], // Vulnerabilities: null
      ['usr/share/java', 'lang-pkgs', 'jar', 0], // Vulnerabilities: []
    ]);
  });

  it('normalizes a vulnerability: fixed version, status, PURL, CVSS by source', () => {
    const v = fixture('debian-image.json').results[0]!.vulnerabilities[0]!;
    expect(v).toMatchObject({
      id: 'CVE-2024-45491',
      pkgName: 'libexpat1',
      pkgId: 'libexpat1@2.5.0-1',
      purl: 'pkg:deb/debian/libexpat1@2.5.0-1?arch=amd64&distro=debian-12.8',
      installedVersion: '2.5.0-1',
      fixedVersion: '2.5.0-1+deb12u1',
      status: 'fixed',
      severity: 'CRITICAL',
      title: 'libexpat: Integer Overflow or Wraparound',
      primaryUrl: 'https://avd.aquasec.com/nvd/cve-2024-45491',
    });
    expect(v.cvss.nvd?.v3Score).toBe(9.8);
    expect(v.cvss.redhat?.v3Score).toBe(7.5);
    const unfixed = fixture('debian-image.json').results[0]!.vulnerabilities.find(
      (x) => x.id === 'CVE-2023-45853',
    )!;
    expect(unfixed.fixedVersion).toBe('');
    expect(unfixed.status).toBe('will_not_fix');
  });

  it('turns unknown severity strings into UNKNOWN and keeps what was written', () => {
    const vulns = fixture('debian-image.json').results[0]!.vulnerabilities;
    const glibc = vulns.find((x) => x.id === 'CVE-2025-0395')!;
    expect(glibc.severity).toBe('UNKNOWN');
    expect(glibc.severityRaw).toBe('MODERATE');
    expect(vulns.find((x) => x.id === 'CVE-2024-56433')!.severityRaw).toBeUndefined();
    expect(normalizeSeverity('high')).toBe('HIGH');
    expect(normalizeSeverity(undefined)).toBe('UNKNOWN');
    expect(normalizeStatus('will_not_fix')).toBe('will_not_fix');
    expect(normalizeStatus('wontfix')).toBe('unknown');
    expect(normalizeStatus(null)).toBe('unknown');
  });

  it('reads a clean report as no vulnerabilities', () => {
    const r = fixture('clean.json');
    expect(r.results).toHaveLength(2);
    expect(r.results.every((x) => x.vulnerabilities.length === 0)).toBe(true);
    expect(r.repoDigests).toEqual([`ghcr.io/acme/py-kube@sha256:${'6b'.repeat(32)}`]);
  });

  it('refuses malformed JSON, never reading it as a clean report', () => {
    const e = parseError(fixtureText('truncated-report.json.txt'));
    expect(e.kind).toBe('scan-failed');
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^report\.json is not a Trivy JSON report: not JSON/);
  });

  it('refuses other schema versions, no output, and the wrong shapes', () => {
    const v1 = parseError(fixtureText('schema-v1.json'));
    expect(v1.message).toContain("a JSON array, not an object (Trivy's SchemaVersion 1 layout)");
    expect(v1.hint).toContain('0.20 or later');
    expect(parseError({ Results: [] }).message).toContain('it has no SchemaVersion');
    const v3 = parseError({ SchemaVersion: 3, Results: [] });
    expect(v3.message).toContain('SchemaVersion 3 is not supported (kubox reads 2)');
    expect(v3.hint).toContain('SchemaVersion 2');
    expect(parseError('').message).toContain('it is empty');
    expect(parseError('  \n').message).toContain('it is empty');
    expect(parseError('null').message).toContain('not a JSON object');
    expect(parseError({ SchemaVersion: 2, Results: {} }).message).toContain('Results:');
    const noId = parseError({
      SchemaVersion: 2,
      Results: [{ Target: 'x', Vulnerabilities: [{ PkgName: 'a', Severity: 'HIGH' }] }],
    });
    expect(noId.message).toContain('Results[0].Vulnerabilities[0].VulnerabilityID');
  });

  it('accepts a report with no Results at all (nothing found) and minimal fields', () => {
    const r = parseTrivyReport('{"SchemaVersion":2,"ArtifactName":"x"}');
    expect(r.results).toEqual([]);
    expect(r.os).toBeUndefined();
  });
});
