/**
 * `kubox/scan`: vulnerability scanning with Trivy and kubox's gate, and
 * `kubox build --scan` (build, scan that archive, push only if the gate passed).
 *
 *   import { scan, formatScanTable } from 'kubox/scan';
 *   const outcome = await scan('oci:out/img.tar', { policy: { severity: ['CRITICAL'] } });
 */
import { join } from 'node:path';
import {
  buildScanPush as buildScanPushPlan,
  type GatedBuildOptions,
  type GatedBuildResult,
} from '../gated-build.js';
import type { Plan } from '../plan/plan.js';
import type { Spec } from '../spec/schema.js';
import { toPlan } from './plan.js';

/**
 * Builds an OCI archive, scans exactly that archive, and pushes it only when
 * the gate (the spec's `scan:`, unless `options.scan` says otherwise) passed.
 * A relative `scan.ignoreFile` is read beside `options.specSource`.
 */
export function buildScanPush(
  spec: Spec | Plan,
  options: GatedBuildOptions,
): Promise<GatedBuildResult> {
  const source = options.specSource ?? join(options.cwd ?? process.cwd(), 'kubox.yaml');
  return buildScanPushPlan(toPlan(spec, options.specSource), source, options);
}
export type { GatedBuildOptions, GatedBuildResult };

export {
  scan,
  evaluate as evaluateScan,
  parseTrivyReport,
  findingsOf,
  countFindings,
  decideGate,
  formatScanTable,
  formatScanSarif,
  findScanner,
  TRIVY_IMAGE,
  DEFAULT_POLICY as DEFAULT_SCAN_POLICY,
  DEFAULT_SCAN_TIMEOUT_MS,
  type ScanOptions,
  type ScanOutcome,
  type ScanPolicy,
  type ScanFinding,
  type ScanCounts,
  type GateDecision,
  type TrivyReport,
  type Severity as ScanSeverity,
  type Scanner,
} from '../scan/index.js';
