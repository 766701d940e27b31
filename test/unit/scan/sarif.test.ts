import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/scan/scan.js';
import { formatScanSarif, scanSarif } from '../../../src/scan/sarif.js';
import { fixture } from './helpers.js';

// The official SARIF 2.1.0 schema (rtm.5, draft-04), as shipped by Microsoft's @microsoft/jest-sarif.
const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
// The schema is JSON Schema draft-04, hence ajv-draft-04; both packages are CommonJS.
const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
// unicodeRegExp: false because the official schema's `language` pattern is not valid under /u.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: { 'security-severity': string; tags: string[]; precision: string };
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: { startLine: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
  properties: { failsGate: boolean; fixable: boolean; targets: string[] };
}
interface Log {
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: Rule[] } };
    results: Result[];
    properties: { gate: { passed: boolean; reason: string } };
  }[];
}

const debian = evaluate(fixture('debian-image.json'));
const input = { ...debian, target: 'oci:out/py-kube-0.9.0.oci.tar' };

function parse(text: string): Log {
  const log = JSON.parse(text) as Log;
  const ok = validate(log);
  expect(ok ? [] : validate.errors).toEqual([]);
  return log;
}

/** What GitHub code scanning needs beyond the schema. */
function githubAccepts(log: Log): void {
  for (const run of log.runs) {
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of run.tool.driver.rules) {
      expect(rule.properties['security-severity']).toMatch(/^\d+\.\d$/);
    }
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
      const loc = r.locations[0]!.physicalLocation;
      expect(loc.artifactLocation.uri).not.toBe('');
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.values(r.partialFingerprints)[0]).toMatch(/^[0-9a-f]{32}$/);
    }
  }
}

describe('scan SARIF', () => {
  it('is valid SARIF 2.1.0 that GitHub code scanning accepts', () => {
    const log = parse(formatScanSarif(input, { version: '0.1.0' }));
    githubAccepts(log);
    expect(log.version).toBe('2.1.0');
    // The validator does reject a broken log.
    const broken = JSON.parse(JSON.stringify(log)) as Log;
    broken.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(broken)).toBe(false);
    expect(log.runs[0]!.tool.driver).toMatchObject({
      name: 'kubox',
      version: '0.1.0',
      informationUri: 'https://www.npmjs.com/package/kubox',
    });
  });

  it('has one rule per vulnerability ID with help, link and the highest CVSS v3 score', () => {
    const run = parse(formatScanSarif(input, { version: '0.1.0' })).runs[0]!;
    expect(run.tool.driver.rules).toHaveLength(17); // 18 findings, CVE-2024-6119 in two packages
    const byId = new Map(run.tool.driver.rules.map((r) => [r.id, r]));
    const expat = byId.get('CVE-2024-45491')!;
    expect(expat).toMatchObject({
      name: 'OsPackageVulnerability',
      shortDescription: { text: 'libexpat: Integer Overflow or Wraparound' },
      helpUri: 'https://avd.aquasec.com/nvd/cve-2024-45491',
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '9.8', tags: ['security', 'vulnerability', 'CRITICAL'] },
    });
    expect(expat.fullDescription.text).toMatch(
      /^An issue was discovered in libexpat before 2\.6\.3/,
    );
    expect(expat.help.text).toContain(
      'Package: libexpat1 2.5.0-1, fixed in: 2.5.0-1+deb12u1 (out/py-kube-0.9.0.oci.tar (debian 12.8))',
    );
    expect(expat.help.markdown).toContain(
      '| CRITICAL | libexpat1 | 2.5.0-1 | 2.5.0-1+deb12u1 | out/py-kube-0.9.0.oci.tar (debian 12.8) |',
    );
    // Both packages of one ID are in its rule's help.
    const ssl = byId.get('CVE-2024-6119')!;
    expect(ssl.help.text).toContain('Package: libssl3 3.0.14-1~deb12u1');
    expect(ssl.help.text).toContain('Package: openssl 3.0.14-1~deb12u1');
    // The highest score of any source: LOW in Debian, 5.9 from Red Hat.
    expect(byId.get('CVE-2024-2236')!.properties['security-severity']).toBe('5.9');
    // No CVSS: Trivy's score for the severity; no link, no helpUri.
    const bash = byId.get('TEMP-0841856-B18BAF')!;
    expect(bash.properties['security-severity']).toBe('2.0');
    expect(bash.helpUri).toBeUndefined();
    expect(bash.shortDescription.text).toBe('TEMP-0841856-B18BAF');
    expect(byId.get('CVE-2024-6345')!.name).toBe('LanguageSpecificPackageVulnerability');
  });

  it('has one result per finding, its level by severity, pointing at the spec file', () => {
    const run = parse(formatScanSarif(input, { version: '0.1.0' })).runs[0]!;
    expect(run.results).toHaveLength(18);
    const levels = Object.fromEntries(run.results.map((r) => [r.ruleId, r.level]));
    expect(levels).toMatchObject({
      'CVE-2024-45491': 'error',
      'CVE-2023-31484': 'error',
      'CVE-2023-50495': 'warning',
      'CVE-2011-3374': 'note',
      'CVE-2025-0395': 'note',
    });
    const first = run.results[0]!;
    expect(first.locations[0]!.physicalLocation.artifactLocation).toEqual({
      uri: 'kubox.yaml',
      uriBaseId: '%SRCROOT%',
    });
    expect(first.message.text).toBe(
      'CVE-2023-45853 (CRITICAL): zlib1g 1:1.2.13.dfsg-1, fixed in: no fix yet in oci:out/py-kube-0.9.0.oci.tar [out/py-kube-0.9.0.oci.tar (debian 12.8)] - fails the gate',
    );
    expect(run.results.filter((r) => r.properties.failsGate)).toHaveLength(7);
    const setuptools = run.results.find((r) => r.ruleId === 'CVE-2024-6345')!;
    expect(setuptools.properties.targets).toEqual(['Python', 'opt/kubox/requirements.txt']);
    expect(run.properties.gate).toEqual({ passed: false, reason: debian.gate.reason });
  });

  it('takes the file results point at, and can keep only the findings that fail the gate', () => {
    const log = parse(
      formatScanSarif(input, {
        version: '0.1.0',
        artifactUri: './ci/My Dir/kubox.yaml',
        include: 'failing',
      }),
    );
    githubAccepts(log);
    const run = log.runs[0]!;
    expect(run.results).toHaveLength(7);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual([
      'CVE-2023-31484',
      'CVE-2023-45853',
      'CVE-2024-45491',
      'CVE-2024-45492',
      'CVE-2024-6119',
      'CVE-2024-6345',
    ]);
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'ci/My%20Dir/kubox.yaml',
    );
  });

  it('fingerprints survive a new image tag and a new package version', () => {
    const fp = (log: Log, id: string) =>
      log.runs[0]!.results.find((r) => r.ruleId === id)!.partialFingerprints;
    const a = scanSarif(input, { version: '0.1.0' }) as unknown as Log;
    const moved = evaluate(fixture('debian-image.json'));
    for (const f of moved.findings) {
      f.target = f.target.replace('0.9.0', '0.9.1');
      f.installedVersion += '+b1';
    }
    const b = scanSarif(
      { ...moved, target: 'oci:out/py-kube-0.9.1.oci.tar' },
      { version: '0.1.0' },
    ) as unknown as Log;
    expect(fp(a, 'CVE-2024-45491')).toEqual(fp(b, 'CVE-2024-45491'));
    expect(fp(a, 'CVE-2024-45491')).not.toEqual(fp(a, 'CVE-2024-45492'));
  });

  it('is valid with zero findings: an empty rules array and no results', () => {
    const clean = evaluate(fixture('clean.json'));
    const log = parse(formatScanSarif({ ...clean, target: 'x' }, { version: '0.1.0' }));
    expect(log.runs[0]!.tool.driver.rules).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.properties.gate.passed).toBe(true);
  });

  it("defaults the version to kubox's package.json", () => {
    const log = scanSarif(debian) as unknown as Log;
    const pkg = require('../../../package.json') as { version: string };
    expect(log.runs[0]!.tool.driver.version).toBe(pkg.version);
  });
});
