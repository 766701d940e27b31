/**
 * kubox as a library. The CLI is a thin layer over exactly these functions.
 *
 *   import { loadSpec, makePlan, render, build, verify } from 'kubox';
 *   const { spec } = loadSpec('kubox.yaml');
 *   const { dockerfile } = render(spec);
 *   const result = await build(spec, { output: { type: 'oci', path: 'out/img.tar' } });
 *   const report = await verify(spec, 'oci:out/img.tar');
 *   await build(spec, { engine: 'native', locked: true }); // no Docker: from kubox.lock
 */
import type { BuildOptions, BuildResult } from './engines/options.js';
import { buildImage as buildPlan } from './engines/select.js';
import { render as renderPlan, type Rendered } from './dockerfile/render.js';
import { makePlan, type Plan } from './plan/plan.js';
import type { Spec } from './spec/schema.js';
import { verify as verifyPlan, type VerifyOptions, type VerifyResult } from './verify/verify.js';

function toPlan(x: Spec | Plan): Plan {
  return 'tools' in x ? x : makePlan(x);
}

/** Dockerfile and .dockerignore text for a spec. Pure. */
export function render(spec: Spec | Plan): Rendered {
  return renderPlan(toPlan(spec));
}

/**
 * Builds the image: with docker buildx or the daemonless native engine, as
 * `options.engine` (else the spec's `engine:`, else auto) decides.
 */
export function build(spec: Spec | Plan, options?: BuildOptions): Promise<BuildResult> {
  return buildPlan(toPlan(spec), options);
}

/** Checks an image (registry reference, local image or oci:PATH) against its spec. */
export function verify(
  spec: Spec | Plan,
  image: string,
  options?: VerifyOptions,
): Promise<VerifyResult> {
  return verifyPlan(toPlan(spec), image, options);
}

export {
  loadSpec,
  loadPreset,
  parseSpec,
  DEFAULT_SPEC_FILE,
  type LoadedSpec,
} from './spec/load.js';
export { SpecSchema, type Spec, type SpecInput, type Check } from './spec/schema.js';
export { PRESETS, type PresetName } from './spec/presets.js';
export { makePlan, type Plan, type Tool } from './plan/plan.js';
export { buildArgv, createBuilderArgv, type BuildxRequest } from './engines/buildx/argv.js';
export {
  defaultOutput,
  type BuildOptions,
  type BuildOutput,
  type BuildResult,
} from './engines/options.js';
export { planChecks, type VerifyCheck } from './verify/checks.js';
export type { VerifyOptions, VerifyResult, CheckResult } from './verify/verify.js';
export { readArchive, type ImageSummary } from './image/summary.js';
export { parseReference, formatReference, type ImageReference } from './oci/reference.js';
export { init, presetText } from './init.js';
export { KuboxError, ExitCode, formatError, type Problem } from './errors.js';
export { HttpError } from './http/error.js';
export {
  lintText,
  lintDocument,
  parseDockerfile,
  activeRules,
  fails,
  parseConfig as parseLintConfig,
  mergeConfig as mergeLintConfig,
  DEFAULT_CONFIG as DEFAULT_LINT_CONFIG,
  RULES as LINT_RULES,
  formatText as formatLintText,
  formatJson as formatLintJson,
  formatSarif as formatLintSarif,
  formatCheckstyle as formatLintCheckstyle,
  type LintConfig,
  type Finding,
  type Rule as LintRule,
  type Severity,
} from './lint/index.js';
export type { Rendered };
export { RegistryClient, type ClientOptions } from './registry/client.js';
export { credentialsFor, type Credential } from './registry/credentials.js';
export { push, pushLayout, type PushOptions, type PushResult } from './registry/push.js';
export { pull, inspectRemote, type PullResult } from './registry/remote.js';
export { inspect, type InspectReport } from './registry/inspect.js';
export { pin, type PinResult } from './registry/pin.js';
export {
  openLayout,
  packLayout,
  createLayout,
  writeBlob,
  writeIndex,
  type Layout,
} from './oci/layout.js';
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
} from './scan/index.js';
export { buildScanPush, type GatedBuildOptions, type GatedBuildResult } from './gated-build.js';
export { chooseEngine } from './engines/select.js';

/**
 * The native engine, loaded when called: it brings openpgp and the package
 * decompressors, which `import 'kubox'` should not pay for.
 */
export async function buildNative(spec: Spec | Plan, options?: BuildOptions): Promise<BuildResult> {
  return (await import('./engines/native/build.js')).buildNative(toPlan(spec), options);
}

/** `kubox lock`: resolves the spec's packages, binaries and wheels again and writes kubox.lock. */
export async function lock(
  spec: Spec | Plan,
  options?: Parameters<typeof import('./engines/native/lock-policy.js').refreshLock>[1],
): ReturnType<typeof import('./engines/native/lock-policy.js').refreshLock> {
  return (await import('./engines/native/lock-policy.js')).refreshLock(toPlan(spec), options);
}
export { readLock, lockPath, type Lock } from './engines/native/lock.js';
export type { EngineName } from './engines/options.js';
export { renderCi, renderWorkflow, renderDependabot, ciOutputs } from './ci/github.js';
