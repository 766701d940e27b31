import type { Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

export const dl3027: Rule = {
  code: 'DL3027',
  name: 'no-apt',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use apt-get or apt-cache, not apt.',
  hint: 'replace apt with apt-get (apt search: apt-cache search)',
  docs: `apt is the interactive front end; its output and behaviour are not a
stable interface ("WARNING: apt does not have a stable CLI interface").`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands
        .filter((c) => c.name === 'apt')
        .map((c) => ({
          span: commandSpan(doc, c),
          message: `apt ${c.argv[1] ?? ''} in RUN`.trimEnd(),
        })),
    );
  },
};
