/**
 * SARIF 2.1.0 of a scan, for GitHub code scanning (github/codeql-action/upload-sarif)
 * and any SARIF viewer. Decisions:
 *
 * - One rule per vulnerability ID; its level is the highest severity among its
 *   findings, `security-severity` the highest CVSS v3 score any source gives
 *   (GitHub ranks alerts by it), else Trivy's score for the severity.
 * - One result per finding (ID, package, installed version), level by
 *   severity: CRITICAL/HIGH error, MEDIUM warning, LOW/UNKNOWN note.
 * - All findings are included by default (`include: 'all'`), as Trivy does:
 *   the levels carry the severity, and code scanning shows what the gate did
 *   not stop. `include: 'failing'` keeps only the findings that fail the gate.
 *   Each result says in `properties.failsGate` whether it fails the gate.
 * - An image has no source line, and GitHub needs a file location with a
 *   region: results point at line 1 of `artifactUri`, the file the image is
 *   built from (the CLI passes the spec file, kubox.yaml, relative to the
 *   repository root; `Dockerfile` when there is none). The image target is in
 *   the message.
 * - `partialFingerprints` hash the ID, package and the result class and type
 *   (not the version or the image tag), so an alert stays the same alert from
 *   one build to the next until the package is fixed.
 */
import { sarifLog } from '../sarif.js';
import { toArtifactUri } from '../text.js';
import { createHash } from 'node:crypto';
import {
  decideGate,
  findingKey,
  severityRank,
  type GateDecision,
  type ScanFinding,
  type ScanPolicy,
} from './policy.js';
import { kuboxVersion } from '../version.js';
import type { Severity } from './report.js';

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Record<Severity, SarifLevel> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  UNKNOWN: 'note',
};

/** Trivy's stand-in scores when no CVSS v3 score is known. */
const SEVERITY_SCORE: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  UNKNOWN: 0.0,
};

export const KUBOX_INFORMATION_URI = 'https://www.npmjs.com/package/kubox';

export interface SarifInput {
  findings: readonly ScanFinding[];
  policy: ScanPolicy;
  /** Computed from findings and policy when absent. */
  gate?: GateDecision;
  /** What was scanned (`oci:out/x.tar`, `ghcr.io/acme/x:1`); goes in messages and run properties. */
  target?: string;
  scanner?: { kind: string; version?: string };
}

export interface SarifOptions {
  /** kubox's version (default: package.json's). */
  version?: string;
  /** The repository file results point at (default `kubox.yaml`). */
  artifactUri?: string;
  include?: 'all' | 'failing';
}

function score(f: ScanFinding): number {
  return f.cvssV3 ?? SEVERITY_SCORE[f.severity];
}

function fingerprint(f: ScanFinding): string {
  return createHash('sha256')
    .update([f.id, f.pkgName, f.class, f.type, f.pkgPath ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

function fixedIn(f: ScanFinding): string {
  return f.fixedVersion || (f.status === 'fixed' ? '(fixed, version unknown)' : 'no fix yet');
}

const md = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);

/** The SARIF log as an object (use `formatScanSarif` for the text). */
export function scanSarif(input: SarifInput, options: SarifOptions = {}): Record<string, unknown> {
  const version = options.version ?? kuboxVersion();
  const gate = input.gate ?? decideGate(input.findings, input.policy);
  const failingKeys = new Set(gate.failing.map(findingKey));
  const failing = { has: (f: ScanFinding) => failingKeys.has(findingKey(f)) };
  const findings =
    options.include === 'failing' ? input.findings.filter((f) => failing.has(f)) : input.findings;
  const uri = toArtifactUri(options.artifactUri ?? 'kubox.yaml');

  const byId = new Map<string, ScanFinding[]>();
  for (const f of findings) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const ids = [...byId.keys()].sort();
  const index = new Map(ids.map((id, i) => [id, i]));

  const rules = ids.map((id) => {
    const group = byId.get(id)!;
    const top = group.reduce((a, b) =>
      severityRank(b.severity) > severityRank(a.severity) ? b : a,
    );
    const first = group[0]!;
    const title = group.find((f) => f.title)?.title;
    const description = group.find((f) => f.description)?.description;
    const url = group.find((f) => f.primaryUrl)?.primaryUrl;
    const best = Math.max(...group.map(score));
    const text = [
      `Vulnerability ${id}${title ? `: ${title}` : ''}`,
      `Severity: ${top.severity}`,
      ...group.map(
        (f) => `Package: ${f.pkgName} ${f.installedVersion}, fixed in: ${fixedIn(f)} (${f.target})`,
      ),
      ...(url ? [`Link: ${url}`] : []),
      ...(description ? ['', description] : []),
    ].join('\n');
    const markdown = [
      `**Vulnerability ${md(id)}**${title ? `: ${md(title)}` : ''}`,
      '',
      '| Severity | Package | Installed | Fixed in | Target |',
      '| --- | --- | --- | --- | --- |',
      ...group.map(
        (f) =>
          `| ${f.severity} | ${md(f.pkgName)} | ${md(f.installedVersion)} | ${md(fixedIn(f))} | ${md(f.target)} |`,
      ),
      ...(url ? ['', `[${md(id)}](${url})`] : []),
      ...(description ? ['', md(description)] : []),
    ].join('\n');
    return {
      id,
      name:
        first.class === 'os-pkgs'
          ? 'OsPackageVulnerability'
          : 'LanguageSpecificPackageVulnerability',
      shortDescription: { text: title ?? id },
      fullDescription: { text: (description ?? title ?? id).replace(/\s*\n\s*/g, ' ') },
      ...(url ? { helpUri: url } : {}),
      help: { text, markdown },
      defaultConfiguration: { level: SARIF_LEVEL[top.severity] },
      properties: {
        precision: 'very-high',
        'security-severity': best.toFixed(1),
        tags: ['security', 'vulnerability', top.severity],
      },
    };
  });

  const where = input.target ? ` in ${input.target}` : '';
  const results = findings.map((f) => ({
    ruleId: f.id,
    ruleIndex: index.get(f.id)!,
    level: SARIF_LEVEL[f.severity],
    message: {
      text:
        `${f.id} (${f.severity}): ${f.pkgName} ${f.installedVersion}, fixed in: ${fixedIn(f)}` +
        `${where} [${f.targets.join(', ')}]` +
        (failing.has(f) ? ' - fails the gate' : ''),
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 },
        },
        message: { text: f.target },
      },
    ],
    partialFingerprints: { 'kuboxVulnerability/v1': fingerprint(f) },
    properties: {
      pkgName: f.pkgName,
      installedVersion: f.installedVersion,
      fixedVersion: f.fixedVersion,
      status: f.status,
      severity: f.severity,
      fixable: f.fixable,
      failsGate: failing.has(f),
      targets: f.targets,
      ...(f.purl ? { purl: f.purl } : {}),
    },
  }));

  return sarifLog({
    version,
    rules,
    results,
    informationUri: KUBOX_INFORMATION_URI,
    properties: {
      ...(input.target ? { target: input.target } : {}),
      ...(input.scanner ? { scanner: input.scanner } : {}),
      gate: { passed: gate.passed, reason: gate.reason },
      policy: {
        severity: [...input.policy.severity],
        ignoreUnfixed: input.policy.ignoreUnfixed,
      },
    },
  });
}

export function formatScanSarif(input: SarifInput, options: SarifOptions = {}): string {
  return `${JSON.stringify(scanSarif(input, options), null, 2)}\n`;
}
