/** JSON: hadolint's fields (file, line, column, level, code, message) plus the fix hint and the end. */
import type { Finding } from '../types.js';

export function formatJson(findings: readonly Finding[]): string {
  return JSON.stringify(
    findings.map((f) => ({
      file: f.file,
      line: f.span.start.line,
      column: f.span.start.column,
      endLine: f.span.end.line,
      endColumn: f.span.end.column,
      level: f.severity,
      code: f.code,
      message: f.message,
      hint: f.hint,
    })),
    null,
    2,
  );
}
