/** Vulnerability scanning with Trivy and kubox's gate. See scan.ts for the API. */
export {
  scan,
  evaluate,
  resolvePolicy,
  type ScanOptions,
  type ScanOutcome,
  type ScanEvaluation,
} from './scan.js';
export {
  parseTrivyReport,
  normalizeSeverity,
  normalizeStatus,
  SEVERITIES,
  VULN_STATUSES,
  type Severity,
  type VulnStatus,
  type TrivyReport,
  type ScanResult,
  type Vulnerability,
} from './report.js';
export {
  DEFAULT_POLICY,
  findingsOf,
  findingKey,
  countFindings,
  decideGate,
  compareFindings,
  severityLabel,
  type ScanPolicy,
  type ScanFinding,
  type ScanCounts,
  type GateDecision,
} from './policy.js';
export { formatScanTable, countsLine, gateLine } from './table.js';
export { formatScanSarif, scanSarif, SARIF_LEVEL, type SarifOptions } from './sarif.js';
export {
  findScanner,
  parseTarget,
  trivyArgs,
  dockerArgs,
  runScanner,
  TRIVY_IMAGE,
  TRIVY_CACHE_VOLUME,
  DEFAULT_SCAN_TIMEOUT_MS,
  type Scanner,
  type ScannerKind,
  type ScannerPreference,
  type ScanTarget,
} from './trivy.js';
