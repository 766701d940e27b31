/**
 * `kubox lint` over many files (cli/lint-files.ts): each instruction's
 * arguments are split once, not on every dockerfile-ast call that needs them,
 * and the findings are exactly those of linting each file on its own.
 * (vitest runs this file in a process of its own: the change to
 * dockerfile-ast's prototype stays here.)
 */
import { Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/lint/config.js';
import { parseDockerfile } from '../../../src/lint/document.js';
import { lintText } from '../../../src/lint/lint.js';
import { lintFiles, rememberArgumentSplits } from '../../../src/cli/lint-files.js';
import { readCorpus } from '../lint/corpus-reader.js';

const files = readCorpus().map((c, i) => ({ file: `case-${i}/Dockerfile`, text: c.dockerfile }));
// Before any remembering: the reference findings, file by file.
const reference = files.flatMap((f) => lintText(f.text, f.file, DEFAULT_CONFIG));
const proto = Instruction.prototype as unknown as { getRawArguments: () => unknown[] };
// A counting stand-in around dockerfile-ast's own split, installed before rememberArgumentSplits.
let splits = 0;
const split = proto.getRawArguments;
proto.getRawArguments = function (this: Instruction) {
  splits++;
  return split.call(this);
};

describe('lintFiles', () => {
  it('splits the arguments of each instruction once, and finds exactly the same', () => {
    splits = 0;
    const { findings, docs } = lintFiles(files, DEFAULT_CONFIG, true);
    const instructions = docs.reduce((n, d) => n + d.instructions.length, 0);
    // Before: over 5 per instruction (3.6 in dockerfile-ast's parser alone). Now one per
    // instruction object: the parser builds RUN and COPY twice, ONBUILD triggers on each access.
    expect(splits).toBeLessThan(instructions * 1.5);
    expect(splits).toBeGreaterThan(0);
    expect(findings).toEqual(reference);
    expect(findings.length).toBeGreaterThan(100);
  });

  it('every call gets its own array: dockerfile-ast shifting the flags off one spoils nothing', () => {
    rememberArgumentSplits();
    const doc = parseDockerfile('FROM scratch\nRUN --mount=type=cache,target=/x echo a b\n', 'D');
    const run = doc.instructions[1]!.node;
    const first = run.getArguments().map((a) => a.getValue());
    run.getArguments().splice(0); // a caller that empties what it got
    expect(run.getArguments().map((a) => a.getValue())).toEqual(first);
    expect(first).toEqual(['echo', 'a', 'b']);
    expect(doc.instructions[1]!.flags).toEqual([{ name: 'mount', value: 'type=cache,target=/x' }]);
  });

  it('keeps the documents only when asked (ShellCheck needs them)', () => {
    expect(lintFiles(files.slice(0, 3), DEFAULT_CONFIG, false).docs).toEqual([]);
    expect(lintFiles(files.slice(0, 3), DEFAULT_CONFIG, true).docs).toHaveLength(3);
  });
});
