/**
 * Lint configuration: what it holds, its defaults, and how command-line
 * settings merge on top. Reading a file (`.kubox-lint.yaml`, `.hadolint.yaml`)
 * is config-file.ts, loaded only when there is one: zod and yaml are most of
 * a one-file `kubox lint`'s start-up otherwise.
 */
import { SEVERITIES, type Severity } from './types.js';

export type Threshold = Severity | 'none';

export interface LintConfig {
  /** Codes never reported. */
  ignored: string[];
  /** Off-by-default rules to turn on (DL3008, DL3013). */
  enable: string[];
  /** Severity per code; naming an off-by-default rule here turns it on. */
  override: Partial<Record<Severity, string[]>>;
  trustedRegistries: string[];
  requiredLabels: string[];
  /** Exit 1 when a finding is at least this severe; `none` never fails. */
  failureThreshold: Threshold;
  /** Ignore `# hadolint ignore=` / `# kubox ignore=` comments (hadolint's disable-ignore-pragma). */
  disableIgnorePragma: boolean;
}

export const DEFAULT_CONFIG: LintConfig = {
  ignored: [],
  enable: [],
  override: {},
  trustedRegistries: [],
  requiredLabels: [],
  // hadolint's default: info and above fail, style does not.
  failureThreshold: 'info',
  disableIgnorePragma: false,
};

/** Command-line settings on top of a file's: lists add up, scalars replace. */
export function mergeConfig(base: LintConfig, over: Partial<LintConfig>): LintConfig {
  const override: Partial<Record<Severity, string[]>> = { ...base.override };
  for (const s of SEVERITIES) {
    if (over.override?.[s]) override[s] = [...(override[s] ?? []), ...over.override[s]!];
  }
  return {
    ignored: [...base.ignored, ...(over.ignored ?? [])],
    enable: [...base.enable, ...(over.enable ?? [])],
    override,
    trustedRegistries: [...base.trustedRegistries, ...(over.trustedRegistries ?? [])],
    requiredLabels: [...base.requiredLabels, ...(over.requiredLabels ?? [])],
    failureThreshold: over.failureThreshold ?? base.failureThreshold,
    disableIgnorePragma: over.disableIgnorePragma ?? base.disableIgnorePragma,
  };
}
