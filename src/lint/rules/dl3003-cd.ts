import type { Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

export const dl3003: Rule = {
  code: 'DL3003',
  name: 'use-workdir',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use WORKDIR to switch to a directory, not cd.',
  hint: "set WORKDIR before the RUN, or use the tool's own option (make -C, git -C, tar -C)",
  docs: `A \`cd\` in one RUN does not carry over to the next, and hides from readers
where commands run. WORKDIR is explicit and persists. Every \`cd\` command in a
RUN is reported, wherever it sits in the chain.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands
        .filter((c) => c.name === 'cd')
        .map((c) => ({
          span: commandSpan(doc, c),
          message: `cd ${c.argv.slice(1).join(' ')} in RUN`,
        })),
    );
  },
};
