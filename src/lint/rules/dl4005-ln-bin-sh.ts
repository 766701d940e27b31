import type { Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

export const dl4005: Rule = {
  code: 'DL4005',
  name: 'use-shell-instruction',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use SHELL to change the default shell, not ln to /bin/sh.',
  hint: 'SHELL ["/bin/bash", "-o", "pipefail", "-c"] instead of ln -sf /bin/bash /bin/sh',
  docs: `Replacing /bin/sh breaks every package maintainer script and tool that
expects Debian's dash (or BusyBox sh), and hides from readers which shell RUN
uses. SHELL changes the shell RUN uses and nothing else. Reported for \`ln\`
whose link name (last operand) is /bin/sh or /usr/bin/sh.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands
        .filter((c) => {
          if (c.name !== 'ln') return false;
          const operands = c.argv.slice(1).filter((a) => !a.startsWith('-'));
          return operands.length >= 2 && /^\/(usr\/)?bin\/sh$/.test(operands.at(-1)!);
        })
        .map((c) => ({ span: commandSpan(doc, c), message: 'ln replaces /bin/sh' })),
    );
  },
};
