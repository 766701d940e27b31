/**
 * What ShellCheck is given for each RUN, and how its answers map back: pure.
 * The script is the RUN's command text as the shell receives it (continuations
 * joined, so a finding's column maps to one place in the Dockerfile), after a
 * prelude that declares the ARG and ENV names known at that RUN, as hadolint
 * does, so `$HOME_DIR` from an ENV is not "referenced but not assigned".
 */
import type { Instr, LintDocument, Stage } from '../document.js';
import type { MappedText } from '../source.js';
import type { Rule, Severity, Span } from '../types.js';

/** ShellCheck's dialects that a RUN's SHELL can name; others (zsh, pwsh, cmd) are skipped. */
const DIALECTS: Record<string, string> = {
  sh: 'sh',
  dash: 'dash',
  ash: 'sh',
  'busybox-sh': 'sh',
  bash: 'bash',
  ksh: 'ksh',
  mksh: 'ksh',
  ksh93: 'ksh',
};

/**
 * The dialect ShellCheck should read a RUN in. The default `/bin/sh -c` is
 * Debian's dash or BusyBox's ash in the usual bases: POSIX sh is what both
 * promise, so `sh`; a SHELL naming bash (or ksh, dash) gets that dialect.
 */
export function dialectOf(shell: readonly string[]): string | undefined {
  const exe = (shell[0] ?? '').split(/[\\/]/).pop()!.toLowerCase();
  if (exe === 'busybox' && shell[1] === 'sh') return 'sh';
  return DIALECTS[exe];
}

/** Base images whose /bin/sh is bash (the Red Hat family): `sh -c` there takes bash syntax. */
const BASH_AS_SH =
  /^(fedora|centos|rockylinux|almalinux|amazonlinux|oraclelinux|ubi\d*(-minimal|-micro|-init)?|rhel\d*)$/;

/** The external image a stage is built on, following FROM <stage> to its root. */
function rootImage(stage: Stage | undefined): string | undefined {
  let s = stage;
  while (s?.parent) s = s.parent;
  return s?.image && !s.image.unresolved ? s.image.name : undefined;
}

/**
 * The dialect for a RUN: from its SHELL, and for the default /bin/sh from the
 * base image's /bin/sh (bash on the Red Hat family, dash or ash elsewhere).
 */
export function runDialect(shell: readonly string[], stage: Stage | undefined): string | undefined {
  const dialect = dialectOf(shell);
  if (dialect !== 'sh' || (shell[0] ?? '') !== '/bin/sh') return dialect;
  const name = rootImage(stage)?.split('/').pop() ?? '';
  return BASH_AS_SH.test(name) ? 'bash' : dialect;
}

export interface ShellcheckScript {
  instr: Instr;
  dialect: string;
  /** The RUN's text ShellCheck reads, mapped to the Dockerfile. */
  text: MappedText;
  /** The file ShellCheck reads: prelude lines, then the RUN's text. */
  content: string;
  /** Lines before the RUN's text. */
  preludeLines: number;
}

/**
 * The text ShellCheck reads for a RUN: its command line, or for a bare here
 * document (`RUN <<EOF` with a shell script as the body) that body; undefined
 * when here documents feed some other command.
 */
function scriptText(
  s: NonNullable<Instr['script']>,
): { text: MappedText; shebang?: string } | undefined {
  if (s.heredocs.length === 0) return { text: s.text };
  const bare = /^\s*<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\1\s*$/.test(s.text.text);
  const body = s.heredocs[0];
  if (!bare || s.heredocs.length !== 1 || !body) return undefined;
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(body.text);
  if (!shebang) return { text: body };
  // BuildKit runs a here document with a shebang by its interpreter.
  const exe = shebang[1]!.endsWith('/env') ? (shebang[2] ?? '') : shebang[1]!;
  const dialect = dialectOf([exe]);
  return dialect ? { text: body, shebang: dialect } : undefined; // python, perl: not ShellCheck's
}

/** The RUNs ShellCheck can read (shell form, a POSIX-family shell, no foreign here documents). */
export function shellcheckScripts(doc: LintDocument): ShellcheckScript[] {
  const out: ShellcheckScript[] = [];
  for (const instr of doc.instructions) {
    const s = instr.script;
    const found = s ? scriptText(s) : undefined;
    const mapped = found?.text;
    if (instr.keyword !== 'RUN' || !s || !mapped || mapped.text.trim() === '') continue;
    const dialect = found.shebang ?? runDialect(s.shell, instr.stage);
    if (!dialect) continue;
    const prelude = [`# shellcheck shell=${dialect}`];
    // hadolint's model: every ARG and ENV name known here counts as set.
    for (const name of [...instr.vars.keys()].sort())
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) prelude.push(`export ${name}=1`);
    if (s.shell.some((a, k) => /^-[a-zA-Z]*o$/.test(a) && s.shell[k + 1] === 'pipefail'))
      prelude.push('set -o pipefail');
    // ShellCheck counts a tab as eight columns, and a CR (a CRLF file) is a
    // finding of its own; a blank keeps every column where it was.
    const text = mapped.text.replace(/[\t\r]/g, ' ');
    out.push({
      instr,
      dialect,
      text: mapped,
      content: `${prelude.join('\n')}\n${text}${text.endsWith('\n') ? '' : '\n'}`,
      preludeLines: prelude.length,
    });
  }
  return out;
}

/** One entry of `shellcheck --format=json1`. */
export interface ShellcheckComment {
  line: number;
  endLine: number;
  column: number;
  endColumn: number;
  level: string;
  code: number;
  message: string;
}

/** Offset in `text` of a 1-based line and column; undefined past the end. */
function offsetOf(text: string, line: number, column: number): number | undefined {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  const eol = text.indexOf('\n', start);
  return Math.min(start + Math.max(0, column - 1), eol === -1 ? text.length : eol);
}

/** Where a ShellCheck comment sits in the Dockerfile; undefined for the prelude. */
export function mapComment(
  doc: LintDocument,
  script: ShellcheckScript,
  c: ShellcheckComment,
): Span | undefined {
  const line = c.line - script.preludeLines;
  if (line < 1) return undefined;
  const text = script.text;
  const start = offsetOf(text.text, line, c.column);
  if (start === undefined) return undefined;
  const end = offsetOf(text.text, c.endLine - script.preludeLines, c.endColumn) ?? start;
  return doc.source.span(text.origin(start), text.origin(Math.max(start, end)));
}

/** A rule description for a ShellCheck code, for formats that list rules (SARIF). */
export function shellcheckRule(code: string, severity: Severity, example: string): Rule {
  return {
    code,
    name: `shellcheck-${code.slice(2)}`,
    severity,
    enabledByDefault: true,
    summary: example,
    hint: `see https://www.shellcheck.net/wiki/${code}`,
    docs: `ShellCheck's ${code}, found in a RUN's shell text. Silence it like any
other code: \`# hadolint ignore=${code}\` above the RUN, \`ignored: [${code}]\` in the
config, or \`--ignore ${code}\`.`,
    check: () => [],
  };
}
