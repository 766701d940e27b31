/**
 * The vocabulary of kubox lint: severities, positions, findings and rules.
 * Rules are pure functions from a parsed document to hits; everything that
 * reads files or prints lives outside src/lint/rules.
 */
import type { LintDocument } from './document.js';
import type { Span } from './span.js';

/** hadolint's four levels, most severe first. */
export const SEVERITIES = ['error', 'warning', 'info', 'style'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** 0 is the most severe; used for thresholds and sorting. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type { Pos, Span } from './span.js';

/** What a rule reports: where, and what exactly (the rule adds code, severity and hint). */
export interface Hit {
  span: Span;
  message: string;
}

export interface Finding {
  file: string;
  code: string;
  severity: Severity;
  message: string;
  hint: string;
  span: Span;
}

/** Settings a rule may read; filled from the config file and flags. */
export interface RuleOptions {
  /** DL3026: registries FROM may use; empty means the rule is off. */
  trustedRegistries: readonly string[];
  /** DL3049: labels the final image must carry; empty means the rule is off. */
  requiredLabels: readonly string[];
}

export interface Rule {
  /** Stable code: hadolint's DLxxxx where the meaning is the same, KBXxxx for kubox's own. */
  code: string;
  /** Short kebab-case name, used in SARIF. */
  name: string;
  severity: Severity;
  /** Off-by-default rules run only when the config enables them (or overrides their level). */
  enabledByDefault: boolean;
  /** One line: what the rule wants. */
  summary: string;
  /** How to fix a finding, one line. */
  hint: string;
  /** Markdown: why it matters, what fires, what does not. */
  docs: string;
  check(doc: LintDocument, options: RuleOptions): Hit[];
}

/** Findings in reading order: by file (as given), line, column, then code. */
export function sortFindings(findings: Finding[], files: readonly string[]): Finding[] {
  const order = new Map(files.map((f, k) => [f, k]));
  return findings.sort(
    (a, b) =>
      order.get(a.file)! - order.get(b.file)! ||
      a.span.start.line - b.span.start.line ||
      a.span.start.column - b.span.start.column ||
      compareCodes(a.code, b.code),
  );
}

/**
 * Orders codes (DL3008, KBX001, SC2086: ASCII upper case and digits) as
 * localeCompare does for them, without it: its first call loads ICU's
 * collator, several milliseconds of a one-file `kubox lint`.
 */
export function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
