/**
 * Lints the files of one `kubox lint` run, one at a time: a file's parse is
 * dropped once it is linted (over hundreds of files, keeping every syntax tree
 * alive only made the garbage collector copy them), unless ShellCheck needs
 * the documents afterwards.
 *
 * A worker thread for part of the files was tried: on a 2-core machine that is
 * busy with anything else, its start-up (~50 ms to load the linter again) cost
 * more than it saved over 359 small files.
 */
import { Instruction } from 'dockerfile-ast';
import type { LintConfig } from '../lint/config.js';
import { parseDockerfile, type LintDocument } from '../lint/document.js';
import { lintDocument } from '../lint/lint.js';
import type { Finding } from '../lint/types.js';

let remembering = false;

/**
 * dockerfile-ast splits an instruction's arguments anew on every call that
 * needs them: about eight times per RUN between its parser, its constructors
 * (flags, JSON form, ranges) and the linter's document model, the largest
 * single cost of linting many files. The split depends only on the parsed
 * text, which never changes, so each instruction keeps its first one; every
 * call gets its own copy of the array (dockerfile-ast shifts the flags off
 * the one it gets). Done here, in the command line only (whose bundle has its
 * own copy of dockerfile-ast), not in the library: a program that imports
 * kubox/lint keeps dockerfile-ast as published. Without the (private) method,
 * in another version of dockerfile-ast, nothing changes.
 */
export function rememberArgumentSplits(): void {
  if (remembering) return;
  remembering = true;
  const proto = Instruction.prototype as unknown as { getRawArguments?: () => unknown[] };
  const split = proto.getRawArguments;
  if (typeof split !== 'function') return;
  const splits = new WeakMap<object, unknown[]>();
  proto.getRawArguments = function (this: object): unknown[] {
    let args = splits.get(this);
    if (!args) {
      args = split.call(this);
      splits.set(this, args);
    }
    return [...args];
  };
}

/** Every file's findings (in no particular order: the caller sorts), and the documents if asked. */
export function lintFiles(
  files: readonly { file: string; text: string }[],
  config: LintConfig,
  keepDocuments: boolean,
): { findings: Finding[]; docs: LintDocument[] } {
  rememberArgumentSplits();
  const findings: Finding[] = [];
  const docs: LintDocument[] = [];
  for (const f of files) {
    const doc = parseDockerfile(f.text, f.file);
    for (const finding of lintDocument(doc, config)) findings.push(finding);
    if (keepDocuments) docs.push(doc);
  }
  return { findings, docs };
}
