/**
 * Ignore pragmas, compatible with hadolint's: `# hadolint ignore=DL3008,DL3015`
 * (or `# kubox ignore=...`) in the comment lines right above an instruction
 * silences those codes for that instruction; `# hadolint global ignore=...`
 * anywhere silences them for the file.
 */
import type { LintDocument } from './document.js';

// A pragma may end with a comment of its own: `# hadolint ignore=DL3002 # runs as root on purpose`.
const LOCAL = /^\s*#\s*(?:hadolint|kubox)\s+ignore\s*=\s*([A-Za-z0-9_,\s]+?)\s*(?:#.*)?$/;
const GLOBAL = /^\s*#\s*(?:hadolint|kubox)\s+global\s+ignore\s*=\s*([A-Za-z0-9_,\s]+?)\s*(?:#.*)?$/;

export interface Suppressions {
  global: Set<string>;
  /** Per instruction line range: codes ignored there. */
  ranges: { from: number; to: number; codes: Set<string> }[];
}

function codes(list: string): string[] {
  return list
    .split(/[,\s]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
}

export function suppressions(doc: LintDocument): Suppressions {
  const global = new Set<string>();
  for (let n = 1; n <= doc.source.lineCount; n++) {
    const m = GLOBAL.exec(doc.source.line(n));
    if (m) codes(m[1]!).forEach((c) => global.add(c));
  }
  const ranges: Suppressions['ranges'] = [];
  for (const instr of doc.instructions) {
    if (instr.onbuild) continue;
    const set = new Set<string>();
    for (let n = instr.span.start.line - 1; n >= 1; n--) {
      const line = doc.source.line(n);
      if (!/^\s*#/.test(line)) break;
      const m = LOCAL.exec(line);
      if (m) codes(m[1]!).forEach((c) => set.add(c));
    }
    if (set.size > 0)
      ranges.push({ from: instr.span.start.line, to: instr.span.end.line, codes: set });
  }
  return { global, ranges };
}

export function isSuppressed(
  s: Suppressions,
  code: string,
  line: number,
  pragmas: boolean,
): boolean {
  if (s.global.has(code)) return true;
  return pragmas && s.ranges.some((r) => r.codes.has(code) && line >= r.from && line <= r.to);
}
