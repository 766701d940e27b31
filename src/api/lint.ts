/**
 * `kubox/lint`: kubox's Dockerfile linter. Lint text, read configs, format findings.
 *
 *   import { lintText, formatLintText } from 'kubox/lint';
 *   const findings = lintText(readFileSync('Dockerfile', 'utf8'));
 */
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
  type Finding as LintFinding,
  type Rule as LintRule,
  type Severity as LintSeverity,
} from '../lint/index.js';
