import type { Rule } from '../types.js';
import { createdBy } from '../tools/users.js';
import { commandSpan, runs } from './helpers.js';

export const dl3046: Rule = {
  code: 'DL3046',
  name: 'useradd-no-log-init',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'useradd with a high UID needs -l (--no-log-init).',
  hint: 'add --no-log-init to useradd',
  docs: `useradd records every user in /var/log/lastlog and faillog, sparse files
sized by the UID; a UID such as 100000000 makes a layer of gigabytes once the
sparse file is copied. Reported for UIDs of more than five digits without -l.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        const made = createdBy(c);
        if (
          !made ||
          c.name !== 'useradd' ||
          made.noLogInit ||
          !made.id ||
          !/^\d{6,}$/.test(made.id)
        )
          return [];
        return [
          { span: commandSpan(doc, c), message: `useradd -u ${made.id} without --no-log-init` },
        ];
      }),
    );
  },
};
