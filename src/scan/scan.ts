/**
 * `scan()`: run Trivy on an image and apply kubox's gate. This is the API
 * `kubox scan` and `kubox build --scan` call; keep its shape stable.
 *
 *   const outcome = await scan('oci:out/py-kube.oci.tar', { policy: spec.scan });
 *   if (!outcome.gate.passed) throw new Error(outcome.gate.reason);
 *
 * A gate that fails is a result (`gate.passed === false`), not an error. Every
 * way the scan itself can fail throws a KuboxError instead, so a scan that did
 * not happen never reads as a pass:
 *   scanner-missing (exit 3)  neither trivy on PATH nor a usable docker
 *   scan-db         (exit 3)  Trivy could not download its vulnerability DB
 *   scan-timeout    (exit 1)  the scan ran past timeoutMs and was stopped
 *   scan-failed     (exit 1)  Trivy failed, or printed something that is not its JSON
 *   usage           (exit 2)  bad target (no such oci: path), missing ignore file
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Spec } from '../spec/schema.js';
import { KuboxError } from '../errors.js';
import {
  countFindings,
  decideGate,
  DEFAULT_POLICY,
  findingsOf,
  type GateDecision,
  type ScanCounts,
  type ScanFinding,
  type ScanPolicy,
} from './policy.js';
import { parseTrivyReport, type Severity, type TrivyReport } from './report.js';
import {
  DEFAULT_SCAN_TIMEOUT_MS,
  findScanner,
  parseTarget,
  runScanner,
  type ScannerKind,
  type ScannerPreference,
} from './trivy.js';

export interface ScanOptions {
  /**
   * The gate. `spec.scan` fits as it is; missing fields take the defaults
   * (CRITICAL and HIGH, unfixed ones count). Its `ignoreFile` is used when
   * `options.ignoreFile` is not given.
   */
  policy?: { severity?: readonly Severity[]; ignoreUnfixed?: boolean; ignoreFile?: string };
  /**
   * A .trivyignore of accepted IDs, relative to `cwd`. Default: `.trivyignore`
   * in `cwd` when there is one (as Trivy itself does).
   */
  ignoreFile?: string;
  /** Stop the scan after this long (default 15 minutes). */
  timeoutMs?: number;
  /** Which scanner to use (default 'auto': trivy on PATH, else docker). */
  scanner?: ScannerPreference;
  /** Extra environment for the scanner process (e.g. PATH, TRIVY_DB_REPOSITORY). */
  env?: Record<string, string>;
  /** Where relative paths (oci:PATH, the ignore file) are resolved (default process.cwd()). */
  cwd?: string;
  /** Progress lines ("scanning ... with trivy 0.58.1"). */
  log?: (message: string) => void;
}

export interface ScanEvaluation {
  report: TrivyReport;
  /** Every finding, deduplicated, most severe first. */
  findings: ScanFinding[];
  counts: ScanCounts;
  policy: ScanPolicy;
  gate: GateDecision;
}

export interface ScanOutcome extends ScanEvaluation {
  /** What was scanned, as given. */
  target: string;
  scanner: { kind: ScannerKind; version?: string };
}

/**
 * The spec's `scan:` gate, with its ignore file resolved beside the spec
 * (a preset has no directory: its path is taken as given).
 */
export function specScanOptions(
  spec: Spec,
  source: string,
): Pick<ScanOptions, 'policy' | 'ignoreFile'> {
  const { severity, ignoreUnfixed, ignoreFile } = spec.scan;
  const resolved =
    ignoreFile && !source.startsWith('preset:') ? resolve(dirname(source), ignoreFile) : ignoreFile;
  return { policy: { severity, ignoreUnfixed }, ...(resolved ? { ignoreFile: resolved } : {}) };
}

export function resolvePolicy(policy: ScanOptions['policy'] = {}): ScanPolicy {
  return {
    severity: policy.severity?.length ? [...policy.severity] : [...DEFAULT_POLICY.severity],
    ignoreUnfixed: policy.ignoreUnfixed ?? DEFAULT_POLICY.ignoreUnfixed,
  };
}

/** Applies a policy to a report already read. Pure. */
export function evaluate(report: TrivyReport, policy: ScanOptions['policy'] = {}): ScanEvaluation {
  const resolved = resolvePolicy(policy);
  const findings = findingsOf(report);
  return {
    report,
    findings,
    counts: countFindings(findings),
    policy: resolved,
    gate: decideGate(findings, resolved),
  };
}

/** The ignore file a scan uses: the one given (which must exist), else ./.trivyignore if present. */
function ignoreFileFor(options: ScanOptions, cwd: string): string | undefined {
  const given = options.ignoreFile ?? options.policy?.ignoreFile;
  const fallback = resolve(cwd, '.trivyignore');
  const ignoreFile = given ? resolve(cwd, given) : existsSync(fallback) ? fallback : undefined;
  if (given && !existsSync(ignoreFile!)) {
    throw new KuboxError('usage', `ignore file ${given} not found`, {
      hint: 'give a .trivyignore with one accepted vulnerability ID a line',
    });
  }
  return ignoreFile;
}

/**
 * Fails now, before anything expensive, when a scan with these options could
 * not run: no scanner, or an ignore file that is not there.
 */
export async function scanPreflight(options: ScanOptions = {}): Promise<void> {
  ignoreFileFor(options, options.cwd ?? process.cwd());
  await findScanner(options.scanner ?? 'auto', options.env);
}

/** Scans `target` (a registry reference or `oci:PATH`) with Trivy and applies the gate. */
export async function scan(target: string, options: ScanOptions = {}): Promise<ScanOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const parsed = parseTarget(target, cwd);
  const ignoreFile = ignoreFileFor(options, cwd);
  const scanner = await findScanner(options.scanner ?? 'auto', options.env);
  options.log?.(
    `scanning ${target} with ${scanner.kind === 'docker' ? `docker run ${scanner.image}` : `trivy${scanner.version ? ` ${scanner.version}` : ''}`}`,
  );
  const stdout = await runScanner(scanner, parsed, {
    timeoutMs: options.timeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS,
    ...(ignoreFile ? { ignoreFile } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const report = parseTrivyReport(stdout, `Trivy's output for ${target}`);
  const version = report.trivyVersion ?? scanner.version;
  return {
    target,
    ...evaluate(report, options.policy),
    scanner: { kind: scanner.kind, ...(version ? { version } : {}) },
  };
}
