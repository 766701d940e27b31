/** `file:line:col CODE severity message`, one finding a line; severity colored when asked. */
import type { Finding, Severity } from '../types.js';

const COLOR: Record<Severity, number> = { error: 31, warning: 33, info: 36, style: 2 };

export function formatText(findings: readonly Finding[], color: boolean): string {
  return findings
    .map((f) => {
      const level = color ? `\x1b[${COLOR[f.severity]}m${f.severity}\x1b[0m` : f.severity;
      const code = color ? `\x1b[1m${f.code}\x1b[0m` : f.code;
      return `${f.file}:${f.span.start.line}:${f.span.start.column} ${code} ${level} ${f.message}`;
    })
    .join('\n');
}
