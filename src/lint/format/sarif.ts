/**
 * SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer): every active
 * rule with its help text, every finding with a region, and a fingerprint that
 * survives lines moving, so an alert stays the same alert across commits.
 */
import { sarifLog } from '../../sarif.js';
import { toArtifactUri } from '../../text.js';
import { createHash } from 'node:crypto';
import type { Finding, Rule, Severity } from '../types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  style: 'note',
};

export interface SarifInput {
  findings: readonly Finding[];
  rules: readonly { rule: Rule; level: Severity }[];
  version: string;
  /** Text of each linted file (for fingerprints), by file name. */
  texts: ReadonlyMap<string, string>;
}

function helpUri(code: string): string | undefined {
  if (code.startsWith('SC')) return `https://www.shellcheck.net/wiki/${code}`;
  return code.startsWith('DL') && !code.startsWith('DL1')
    ? `https://github.com/hadolint/hadolint/wiki/${code}`
    : undefined;
}

function tool(code: string): string {
  return code.startsWith('KBX') ? 'kubox' : code.startsWith('SC') ? 'shellcheck' : 'hadolint';
}

export function formatSarif(input: SarifInput): string {
  const index = new Map(input.rules.map((r, k) => [r.rule.code, k]));
  const rules = input.rules.map(({ rule, level }) => {
    const uri = helpUri(rule.code);
    return {
      id: rule.code,
      name: rule.name,
      shortDescription: { text: rule.summary },
      fullDescription: { text: rule.docs.replace(/\s*\n\s*/g, ' ') },
      help: {
        text: `${rule.summary}\nFix: ${rule.hint}\n\n${rule.docs}`,
        markdown: `**${rule.summary}**\n\nFix: ${rule.hint}\n\n${rule.docs}`,
      },
      ...(uri ? { helpUri: uri } : {}),
      defaultConfiguration: { level: LEVEL[level] },
      properties: {
        tags: ['dockerfile', tool(rule.code)],
        precision: 'high',
      },
    };
  });
  const results = input.findings.map((f) => {
    const line = (input.texts.get(f.file) ?? '').split('\n')[f.span.start.line - 1] ?? '';
    const fingerprint = createHash('sha256')
      .update(`${f.code}\0${line.trim()}\0${f.message}`)
      .digest('hex')
      .slice(0, 32);
    return {
      ruleId: f.code,
      ruleIndex: index.get(f.code) ?? 0,
      level: LEVEL[f.severity],
      message: { text: `${f.message}. Fix: ${f.hint}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: toArtifactUri(f.file), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.span.start.line,
              startColumn: f.span.start.column,
              endLine: Math.max(f.span.end.line, f.span.start.line),
              endColumn:
                f.span.end.line > f.span.start.line
                  ? f.span.end.column
                  : Math.max(f.span.end.column, f.span.start.column + 1),
            },
          },
        },
      ],
      partialFingerprints: { 'kuboxFinding/v1': fingerprint },
    };
  });
  return JSON.stringify(sarifLog({ version: input.version, rules, results }), null, 2);
}
