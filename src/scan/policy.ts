/**
 * The vulnerability gate, applied by kubox rather than by Trivy's --severity /
 * --exit-code, so the counts always cover every finding. Pure.
 *
 * - A finding is one (vulnerability ID, package, installed version); the same
 *   triple found in several Results (targets) is one finding listing them all.
 * - Fixable: a fixed version is known, or Trivy's status is `fixed`.
 * - The gate fails on every finding whose severity is in `policy.severity`,
 *   except: with `ignoreUnfixed`, findings that are not fixable; and always,
 *   findings whose status is `not_affected` (the vendor says the package is not
 *   vulnerable as shipped). Accepted IDs belong in the ignore file, which Trivy
 *   applies before kubox sees the report.
 */
import {
  SEVERITIES,
  type ResultClass,
  type Severity,
  type TrivyReport,
  type VulnStatus,
} from './report.js';

export interface ScanPolicy {
  /** Severities that fail the gate. */
  severity: readonly Severity[];
  /** Only fixable findings fail the gate. */
  ignoreUnfixed: boolean;
}

export const DEFAULT_POLICY: ScanPolicy = { severity: ['CRITICAL', 'HIGH'], ignoreUnfixed: false };

export interface ScanFinding {
  id: string;
  pkgName: string;
  installedVersion: string;
  /** `''` when none is known. */
  fixedVersion: string;
  status: VulnStatus;
  severity: Severity;
  fixable: boolean;
  title?: string;
  description?: string;
  primaryUrl?: string;
  purl?: string;
  pkgPath?: string;
  /** The highest CVSS v3 base score any source gives, if any. */
  cvssV3?: number;
  /** The first Result the finding was in. */
  target: string;
  class: ResultClass;
  type: string;
  /** Every Result the finding was in (deduplicated), `target` first. */
  targets: string[];
}

export type SeverityCounts = Record<Severity, number>;

export interface ScanCounts {
  total: number;
  bySeverity: SeverityCounts;
  fixable: number;
  unfixed: number;
  fixableBySeverity: SeverityCounts;
}

export interface GateDecision {
  passed: boolean;
  /** The findings that fail the gate, most severe first. */
  failing: ScanFinding[];
  /** One line: why it passed or failed, e.g. "3 CRITICAL/HIGH fixable vulnerabilities". */
  reason: string;
  /** Findings at a gated severity left out because they are unfixed (ignoreUnfixed). */
  ignoredUnfixed: number;
  /** Findings at a gated severity left out because their status is not_affected. */
  notAffected: number;
}

const RANK: Record<Severity, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** Most severe first, then by ID, package and installed version. */
export function compareFindings(a: ScanFinding, b: ScanFinding): number {
  return (
    RANK[b.severity] - RANK[a.severity] ||
    cmp(a.id, b.id) ||
    cmp(a.pkgName, b.pkgName) ||
    cmp(a.installedVersion, b.installedVersion) ||
    cmp(a.target, b.target)
  );
}

const collator = new Intl.Collator('en', { numeric: true });

/** Natural order, so CVE-2024-6119 comes before CVE-2024-10041. */
function cmp(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function isFixable(v: { fixedVersion: string; status: VulnStatus }): boolean {
  return v.fixedVersion !== '' || v.status === 'fixed';
}

/** What makes two vulnerabilities one finding: ID, package, installed version. */
export function findingKey(f: { id: string; pkgName: string; installedVersion: string }): string {
  return `${f.id}\0${f.pkgName}\0${f.installedVersion}`;
}

/** Every vulnerability in the report as findings, deduplicated and sorted. */
export function findingsOf(report: TrivyReport): ScanFinding[] {
  const byKey = new Map<string, ScanFinding>();
  for (const r of report.results) {
    for (const v of r.vulnerabilities) {
      const key = findingKey(v);
      const seen = byKey.get(key);
      if (seen) {
        if (!seen.targets.includes(r.target)) seen.targets.push(r.target);
        // Keep the most informative copy of each field.
        if (RANK[v.severity] > RANK[seen.severity]) seen.severity = v.severity;
        if (!seen.fixedVersion && v.fixedVersion) seen.fixedVersion = v.fixedVersion;
        seen.fixable = seen.fixable || isFixable(v);
        continue;
      }
      const scores = Object.values(v.cvss)
        .map((c) => c.v3Score)
        .filter((s): s is number => typeof s === 'number');
      byKey.set(key, {
        id: v.id,
        pkgName: v.pkgName,
        installedVersion: v.installedVersion,
        fixedVersion: v.fixedVersion,
        status: v.status,
        severity: v.severity,
        fixable: isFixable(v),
        ...(v.title ? { title: v.title } : {}),
        ...(v.description ? { description: v.description } : {}),
        ...(v.primaryUrl ? { primaryUrl: v.primaryUrl } : {}),
        ...(v.purl ? { purl: v.purl } : {}),
        ...(v.pkgPath ? { pkgPath: v.pkgPath } : {}),
        ...(scores.length ? { cvssV3: Math.max(...scores) } : {}),
        target: r.target,
        class: r.class,
        type: r.type,
        targets: [r.target],
      });
    }
  }
  return [...byKey.values()].sort(compareFindings);
}

function zero(): SeverityCounts {
  return { UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
}

export function countFindings(findings: readonly ScanFinding[]): ScanCounts {
  const bySeverity = zero();
  const fixableBySeverity = zero();
  let fixable = 0;
  for (const f of findings) {
    bySeverity[f.severity]++;
    if (f.fixable) {
      fixable++;
      fixableBySeverity[f.severity]++;
    }
  }
  return {
    total: findings.length,
    bySeverity,
    fixable,
    unfixed: findings.length - fixable,
    fixableBySeverity,
  };
}

/** The policy's severities, most severe first, joined with "/": "CRITICAL/HIGH". */
export function severityLabel(severities: readonly Severity[]): string {
  return SEVERITIES.filter((s) => severities.includes(s))
    .reverse()
    .join('/');
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whether the findings pass the policy, which of them fail it, and why. */
export function decideGate(findings: readonly ScanFinding[], policy: ScanPolicy): GateDecision {
  const gated = findings.filter((f) => policy.severity.includes(f.severity));
  const notAffected = gated.filter((f) => f.status === 'not_affected').length;
  const candidates = gated.filter((f) => f.status !== 'not_affected');
  const failing = candidates.filter((f) => !policy.ignoreUnfixed || f.fixable);
  const ignoredUnfixed = candidates.length - failing.length;
  const label = severityLabel(policy.severity);
  const notes: string[] = [];
  if (ignoredUnfixed) notes.push(`${ignoredUnfixed} unfixed ignored`);
  if (notAffected) notes.push(`${notAffected} not affected`);
  const tail = notes.length ? ` (${notes.join(', ')})` : '';
  let reason: string;
  if (failing.length === 0) {
    reason = `no ${policy.ignoreUnfixed ? 'fixable ' : ''}${label} vulnerabilities${tail}`;
  } else if (policy.ignoreUnfixed) {
    reason = `${plural(failing.length, `${label} fixable vulnerability`, `${label} fixable vulnerabilities`)}${tail}`;
  } else {
    const fixable = failing.filter((f) => f.fixable).length;
    notes.unshift(`${fixable} fixable`);
    reason = `${plural(failing.length, `${label} vulnerability`, `${label} vulnerabilities`)} (${notes.join(', ')})`;
  }
  return {
    passed: failing.length === 0,
    failing: [...failing].sort(compareFindings),
    reason,
    ignoredUnfixed,
    notAffected,
  };
}
