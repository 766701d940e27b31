/**
 * The linter's core: parse, run the enabled rules, apply levels and ignores.
 * Pure: a Dockerfile's text and a configuration in, findings out.
 */
import { DEFAULT_CONFIG, type LintConfig, type Threshold } from './config.js';
import { parseDockerfile, type LintDocument } from './document.js';
import { RULES } from './rules/index.js';
import { isSuppressed, suppressions } from './suppress.js';
import {
  compareCodes,
  SEVERITIES,
  severityRank,
  type Finding,
  type Rule,
  type Severity,
} from './types.js';

/** The level a rule reports at under this config, or undefined when it is off. */
export function ruleLevel(rule: Rule, config: LintConfig): Severity | undefined {
  if (config.ignored.includes(rule.code)) return undefined;
  const overridden = SEVERITIES.find((s) => config.override[s]?.includes(rule.code));
  if (overridden) return overridden;
  if (rule.enabledByDefault || config.enable.includes(rule.code)) return rule.severity;
  return undefined;
}

/** activeRules per config object: the same config lints every file of a run. */
const activeCache = new WeakMap<LintConfig, { rule: Rule; level: Severity }[]>();

export function activeRules(config: LintConfig): { rule: Rule; level: Severity }[] {
  let active = activeCache.get(config);
  if (!active) {
    active = RULES.flatMap((rule) => {
      const level = ruleLevel(rule, config);
      return level ? [{ rule, level }] : [];
    });
    activeCache.set(config, active);
  }
  // A copy: a caller may sort or filter what it gets.
  return [...active];
}

export function lintDocument(doc: LintDocument, config: LintConfig = DEFAULT_CONFIG): Finding[] {
  const options = {
    trustedRegistries: config.trustedRegistries,
    requiredLabels: config.requiredLabels,
  };
  const ignores = suppressions(doc);
  const findings: Finding[] = [];
  for (const { rule, level } of activeRules(config)) {
    for (const hit of rule.check(doc, options)) {
      if (isSuppressed(ignores, rule.code, hit.span.start.line, !config.disableIgnorePragma))
        continue;
      findings.push({
        file: doc.file,
        code: rule.code,
        severity: level,
        message: hit.message,
        hint: rule.hint,
        span: hit.span,
      });
    }
  }
  return findings.sort(
    (a, b) =>
      a.span.start.line - b.span.start.line ||
      a.span.start.column - b.span.start.column ||
      compareCodes(a.code, b.code),
  );
}

/** Lints one Dockerfile's text; `file` names it in findings. */
export function lintText(
  text: string,
  file: string,
  config: LintConfig = DEFAULT_CONFIG,
): Finding[] {
  return lintDocument(parseDockerfile(text, file), config);
}

/** Whether findings fail the run at this threshold. */
export function fails(findings: readonly Finding[], threshold: Threshold): boolean {
  if (threshold === 'none') return false;
  return findings.some((f) => severityRank(f.severity) <= severityRank(threshold));
}
