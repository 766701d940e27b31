/**
 * kubox as a library. The CLI is a thin layer over exactly these functions.
 *
 *   import { loadSpec, render, build, verify } from 'kubox';
 *   const { spec } = loadSpec('kubox.yaml');
 *   const { dockerfile } = render(spec);
 *   const result = await build(spec, { output: { type: 'oci', path: 'out/img.tar' } });
 *   const report = await verify(spec, 'oci:out/img.tar');
 *   await build(spec, { engine: 'native', locked: true }); // no Docker: from kubox.lock
 *
 * Every entry that takes a spec takes a loaded Spec or a Plan (makePlan). The
 * specialised parts have their own entry points: kubox/registry, kubox/image,
 * kubox/lint, kubox/scan, kubox/native and kubox/ci.
 */
import type { BuildOptions, BuildResult, EngineName } from './engines/options.js';
import { render as renderPlan, type Rendered } from './dockerfile/render.js';
import type { Plan } from './plan/plan.js';
import type { Spec } from './spec/schema.js';
import { planChecks as planChecksOf, type VerifyCheck } from './verify/checks.js';
import type { VerifyOptions, VerifyResult } from './verify/verify.js';
import { toPlan } from './api/plan.js';

/** Dockerfile and .dockerignore text for a spec. Pure. */
export function render(spec: Spec | Plan): Rendered {
  return renderPlan(toPlan(spec));
}

/**
 * Builds the image: with docker buildx or the daemonless native engine, as
 * `options.engine` (else the spec's `engine:`, else auto) decides.
 */
export async function build(spec: Spec | Plan, options?: BuildOptions): Promise<BuildResult> {
  const plan = toPlan(spec, options?.specSource);
  // Loaded when called: the engines, the registry client and the archive writers.
  return (await import('./build.js')).buildImage(plan, options);
}

/** Checks an image (registry reference, local image or oci:PATH) against its spec. */
export async function verify(
  spec: Spec | Plan,
  image: string,
  options?: VerifyOptions,
): Promise<VerifyResult> {
  const plan = toPlan(spec);
  // Loaded when called: the image readers, the registry client and the container runner.
  return (await import('./verify/verify.js')).verify(plan, image, options);
}

/** Which engine `engine: auto` (or the one named) builds with here: it probes for Docker. */
export async function chooseEngine(
  requested: EngineName,
  log?: (msg: string) => void,
): Promise<'buildx' | 'native'> {
  return (await import('./engines/select.js')).chooseEngine(requested, log);
}

/** The checks verify runs for a spec: the image config, then each command. Pure. */
export function planChecks(spec: Spec | Plan): VerifyCheck[] {
  return planChecksOf(toPlan(spec));
}

export type { Rendered, VerifyCheck, VerifyOptions, VerifyResult };
export type { CheckResult } from './verify/verify.js';
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
export {
  defaultOutput,
  type BuildOptions,
  type BuildOutput,
  type BuildResult,
  type EngineName,
} from './engines/options.js';
export { parseReference, formatReference, type ImageReference } from './oci/reference.js';
export { init, presetText } from './init.js';
export { KuboxError, ExitCode, formatError, type Problem } from './errors.js';
