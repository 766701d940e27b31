/** kubox lint as a library: lint text, read configs, format findings. */
export { lintText, lintDocument, activeRules, ruleLevel, fails } from './lint.js';
export { parseDockerfile, type LintDocument, type Instr, type Stage } from './document.js';
export { mergeConfig, DEFAULT_CONFIG, type LintConfig, type Threshold } from './config.js';
export { parseConfig } from './config-file.js';
export { findDockerfiles, loadLintConfig, isDockerfileName } from './discover.js';
export { RULES, ruleByCode } from './rules/index.js';
export { formatText } from './format/text.js';
export { formatJson } from './format/json.js';
export { formatSarif } from './format/sarif.js';
export { formatCheckstyle } from './format/checkstyle.js';
export {
  SEVERITIES,
  type Finding,
  type Rule,
  type Severity,
  type Span,
  type Pos,
} from './types.js';
