/**
 * The human summary of a scan: one row per finding (most severe first), a
 * counts line, and the gate line saying PASSED or FAILED and why. Pure; colors
 * come from the caller's `paint` (the CLI paints only on a TTY).
 */
import { table } from '../text.js';
import { type GateDecision, type ScanCounts, type ScanFinding, type ScanPolicy } from './policy.js';
import { SEVERITIES, type Severity } from './report.js';

export type Style = 'red' | 'green' | 'yellow' | 'bold' | 'dim';

export interface TableInput {
  findings: readonly ScanFinding[];
  counts: ScanCounts;
  policy: ScanPolicy;
  gate: GateDecision;
}

export interface TableOptions {
  paint?: (style: Style, text: string) => string;
}

const SEVERITY_STYLE: Record<Severity, Style> = {
  CRITICAL: 'red',
  HIGH: 'red',
  MEDIUM: 'yellow',
  LOW: 'dim',
  UNKNOWN: 'dim',
};

const HEADER = ['PACKAGE', 'INSTALLED', 'FIXED IN', 'ID', 'SEVERITY', 'TARGET'];

/** "12 vulnerabilities: 2 CRITICAL, 4 HIGH, 3 MEDIUM, 2 LOW, 1 UNKNOWN (7 fixable, 5 unfixed)" */
export function countsLine(counts: ScanCounts): string {
  if (counts.total === 0) return 'no vulnerabilities found';
  const parts = [...SEVERITIES]
    .reverse()
    .map((s) => `${counts.bySeverity[s]} ${s}`)
    .join(', ');
  const noun = counts.total === 1 ? 'vulnerability' : 'vulnerabilities';
  return `${counts.total} ${noun}: ${parts} (${counts.fixable} fixable, ${counts.unfixed} unfixed)`;
}

/** "gate FAILED: 3 CRITICAL/HIGH fixable vulnerabilities" (the reason names the policy). */
export function gateLine(
  gate: GateDecision,
  paint: (style: Style, text: string) => string = (_s, t) => t,
): string {
  const verdict = gate.passed ? paint('green', 'PASSED') : paint('red', 'FAILED');
  return `gate ${verdict}: ${gate.reason}`;
}

/** The FIXED IN cell: the version, else what the vendor says ("will not fix"), else "-". */
export function fixedCell(f: Pick<ScanFinding, 'fixedVersion' | 'status'>): string {
  if (f.fixedVersion) return f.fixedVersion;
  if (f.status === 'affected' || f.status === 'unknown') return '-';
  return f.status.replace(/_/g, ' ');
}

export function formatScanTable(input: TableInput, options: TableOptions = {}): string {
  const paint = options.paint ?? ((_s: Style, t: string) => t);
  const lines: string[] = [];
  if (input.findings.length) {
    const rows = input.findings.map((f) => [
      f.pkgName,
      f.installedVersion,
      fixedCell(f),
      f.id,
      paint(SEVERITY_STYLE[f.severity], f.severity),
      f.targets.length > 1 ? `${f.target} (+${f.targets.length - 1})` : f.target,
    ]);
    lines.push(table(rows, HEADER), '');
  }
  lines.push(countsLine(input.counts), gateLine(input.gate, paint));
  return lines.join('\n');
}
