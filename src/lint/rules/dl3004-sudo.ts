import type { Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

export const dl3004: Rule = {
  code: 'DL3004',
  name: 'no-sudo',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Do not use sudo.',
  hint: 'RUN as root where root is needed (USER root ... USER 1000), not through sudo',
  docs: `sudo behaves unpredictably without a TTY, needs to be installed and
configured, and leaves a privilege-escalation path in the image. Found anywhere
in a RUN, also behind other wrappers (\`env X=1 sudo ...\`).`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands
        .filter((c) => c.name === 'sudo' || c.wrappers.includes('sudo'))
        .map((c) => ({ span: commandSpan(doc, c), message: 'sudo in RUN' })),
    );
  },
};
