/** `kubox lint`: check Dockerfiles against the seed's practices. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, KuboxError } from '../errors.js';
import { mergeConfig, type LintConfig, type Threshold } from '../lint/config.js';
import { findDockerfiles, loadLintConfig, readDockerfile } from '../lint/discover.js';
import { formatText } from '../lint/format/text.js';
import type { LintDocument } from '../lint/document.js';
import { activeRules, fails } from '../lint/lint.js';
import { RULES } from '../lint/rules/index.js';
import { findShellcheck } from '../lint/shellcheck/find.js';
import { shellcheckRule } from '../lint/shellcheck/script.js';
import {
  compareCodes,
  severityRank,
  sortFindings,
  type Finding,
  type Rule,
  type Severity,
} from '../lint/types.js';
import { DEFAULT_SPEC_FILE } from '../spec/constants.js';
import { kuboxVersion } from '../version.js';
import type { Context } from './context.js';
import { lintFiles } from './lint-files.js';
import { table } from './output.js';

export interface LintFlags {
  file?: string;
  format: 'text' | 'json' | 'sarif' | 'checkstyle';
  failureThreshold?: Threshold | 'ignore';
  config?: string;
  ignore: string[];
  trustedRegistry: string[];
  requireLabel: string[];
  output?: string;
  listRules: boolean;
  /** A path from --shellcheck PATH; false from --no-shellcheck; undefined: look on PATH. */
  shellcheck?: string | boolean;
}

/** What to lint: the paths given; else kubox.yaml's rendering; else ./Dockerfile. */
async function inputs(
  paths: string[],
  o: LintFlags,
  ctx: Context,
): Promise<{ file: string; text: string }[]> {
  const cwd = process.cwd();
  if (paths.length > 0) {
    return paths.flatMap((p) =>
      p === '-'
        ? [{ file: '-', text: readFileSync(0, 'utf8') }]
        : findDockerfiles([p], cwd).map((f) => ({ file: f, text: readDockerfile(f, cwd) })),
    );
  }
  if (o.file || existsSync(resolve(cwd, DEFAULT_SPEC_FILE))) {
    // Loaded only here: the spec's schema (zod) and the renderer are not needed to lint files.
    const [{ loadSpec }, { makePlan }, { render }] = await Promise.all([
      import('../spec/load.js'),
      import('../plan/plan.js'),
      import('../dockerfile/render.js'),
    ]);
    const { spec, source } = loadSpec(o.file);
    ctx.out.info(
      `kubox: linting the Dockerfile rendered from ${source} (lines as in \`kubox render --stdout\`)`,
    );
    return [{ file: 'Dockerfile', text: render(makePlan(spec, source)).dockerfile }];
  }
  if (existsSync(resolve(cwd, 'Dockerfile')))
    return [{ file: 'Dockerfile', text: readDockerfile('Dockerfile', cwd) }];
  throw new KuboxError('usage', 'nothing to lint: no kubox.yaml and no Dockerfile here', {
    hint: 'pass files or directories: kubox lint path/to/Dockerfile',
  });
}

export async function runLint(ctx: Context, paths: string[], o: LintFlags): Promise<void> {
  const { config: fileConfig } = await loadLintConfig(process.cwd(), o.config);
  const flags: Partial<LintConfig> = {
    ignored: o.ignore,
    trustedRegistries: o.trustedRegistry,
    requiredLabels: o.requireLabel,
    ...(o.failureThreshold
      ? { failureThreshold: o.failureThreshold === 'ignore' ? 'none' : o.failureThreshold }
      : {}),
  };
  const config = mergeConfig(fileConfig, flags);
  if (o.listRules) {
    const active = new Map(activeRules(config).map((r) => [r.rule.code, r.level]));
    ctx.out.print(
      table(
        RULES.map((r) => [r.code, active.get(r.code) ?? 'off', r.summary]),
        ['CODE', 'LEVEL', 'RULE'],
      ),
    );
    return;
  }
  const files = await inputs(paths, o, ctx);
  const binary =
    o.shellcheck === false
      ? undefined
      : await findShellcheck(typeof o.shellcheck === 'string' ? o.shellcheck : undefined);
  const { findings, docs } = lintFiles(files, config, binary !== undefined);
  findings.push(...(await shellcheckFindings(o.shellcheck, binary, docs, config, ctx)));
  sortFindings(
    findings,
    files.map((f) => f.file),
  );
  const report = await format(o.format, findings, files, config, ctx);
  // Loaded only here, like the formats other than text: the fewer modules, the faster `kubox lint FILE`.
  if (o.output) await (await import('../fs.js')).writeFileAtomic(o.output, `${report}\n`);
  else if (report !== '') ctx.out.print(report);
  const n = findings.length;
  ctx.out.info(
    `kubox lint: ${files.length} file${files.length === 1 ? '' : 's'}, ${n} finding${n === 1 ? '' : 's'}`,
  );
  if (fails(findings, config.failureThreshold)) process.exitCode = ExitCode.failed;
}

/**
 * ShellCheck's findings on every RUN, when a shellcheck is on PATH or named by
 * --shellcheck (`binary`); without one, a single note on stderr that SC checks
 * were skipped.
 */
async function shellcheckFindings(
  flag: LintFlags['shellcheck'],
  binary: string | undefined,
  docs: LintDocument[],
  config: LintConfig,
  ctx: Context,
): Promise<Finding[]> {
  if (flag === false) return [];
  if (!binary) {
    ctx.out.info(
      'kubox lint: no shellcheck on PATH, SC checks skipped (apt-get install shellcheck, or --shellcheck PATH)',
    );
    return [];
  }
  // Loaded only now: the process machinery is not part of lint's start-up.
  const { shellcheckDocuments } = await import('../lint/shellcheck/run.js');
  const result = await shellcheckDocuments(binary, docs, config);
  if (result.problem) ctx.out.info(`kubox lint: SC checks skipped: ${result.problem}`);
  return result.findings;
}

/** Rule descriptions for the ShellCheck codes found, for SARIF's rule list. */
function shellcheckRules(findings: Finding[]): { rule: Rule; level: Severity }[] {
  const seen = new Map<string, { rule: Rule; level: Severity }>();
  for (const f of findings) {
    if (!f.code.startsWith('SC')) continue;
    const known = seen.get(f.code);
    if (known && severityRank(known.level) <= severityRank(f.severity)) continue;
    seen.set(f.code, { rule: shellcheckRule(f.code, f.severity, f.message), level: f.severity });
  }
  return [...seen.values()].sort((a, b) => compareCodes(a.rule.code, b.rule.code));
}

async function format(
  kind: LintFlags['format'],
  findings: Finding[],
  files: { file: string; text: string }[],
  config: LintConfig,
  ctx: Context,
): Promise<string> {
  switch (kind) {
    case 'json':
      return (await import('../lint/format/json.js')).formatJson(findings);
    case 'checkstyle':
      return (await import('../lint/format/checkstyle.js')).formatCheckstyle(
        findings,
        files.map((f) => f.file),
      );
    case 'sarif':
      return (await import('../lint/format/sarif.js')).formatSarif({
        findings,
        rules: [...activeRules(config), ...shellcheckRules(findings)],
        version: kuboxVersion(),
        texts: new Map(files.map((f) => [f.file, f.text])),
      });
    default:
      return formatText(findings, ctx.out.color);
  }
}
