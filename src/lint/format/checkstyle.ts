/** Checkstyle XML, which Jenkins, GitLab and reviewdog read. */
import type { Finding } from '../types.js';

function esc(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

export function formatCheckstyle(findings: readonly Finding[], files: readonly string[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">'];
  for (const file of files) {
    lines.push(`  <file name="${esc(file)}">`);
    for (const f of findings.filter((x) => x.file === file)) {
      const severity = f.severity === 'style' ? 'info' : f.severity;
      lines.push(
        `    <error line="${f.span.start.line}" column="${f.span.start.column}" severity="${severity}" message="${esc(f.message)}" source="${esc(f.code)}"/>`,
      );
    }
    lines.push('  </file>');
  }
  lines.push('</checkstyle>');
  return lines.join('\n');
}
