import type { Rule } from '../types.js';
import { aptCall } from '../tools/apt.js';
import { cacheMountTargets, commandSpan, runs } from './helpers.js';

const LISTS = /^\/var\/lib\/apt\/lists(\/\*?)?$/;

export const dl3009: Rule = {
  code: 'DL3009',
  name: 'apt-lists-removed',
  severity: 'info',
  enabledByDefault: true,
  summary: 'Remove the apt lists in the same RUN that ran apt-get update.',
  hint: 'end the RUN with `&& rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/lib/apt/lists',
  docs: `\`apt-get update\` downloads tens of megabytes of package lists; removed in a
later RUN, they still live in the earlier layer. Satisfied by \`rm -rf
/var/lib/apt/lists/*\` (or the directory) after the last update in the same RUN,
by \`apt-get distclean\`, or by a \`--mount=type=cache\` or \`--mount=type=tmpfs\`
on /var/lib/apt or /var/lib/apt/lists. \`aptitude update\` counts as \`apt-get
update\`. Only stages that end up in the final image are checked: a builder
stage's lists never ship. ONBUILD triggers of those stages are checked too
(they run, and leave their lists, in every image built FROM this one), as
hadolint does.`,
  check(doc) {
    return runs(doc)
      .filter((i) => i.stage?.inFinalImage ?? false)
      .flatMap((i) => {
        if (cacheMountTargets(i).some((t) => t === '/var/lib/apt' || t === '/var/lib/apt/lists'))
          return [];
        const cmds = i.shell.commands;
        const updates = cmds.filter((c) => aptCall(c)?.subcommand === 'update');
        const last = updates.at(-1);
        if (!last) return [];
        const removed = cmds.some(
          (c) =>
            c.order > last.order &&
            ((c.name === 'rm' && c.argv.some((a) => LISTS.test(a))) ||
              (c.name === 'find' &&
                c.argv.some((a) => LISTS.test(a)) &&
                c.argv.includes('-delete')) ||
              ['distclean', 'dist-clean'].includes(aptCall(c)?.subcommand ?? '')),
        );
        if (removed) return [];
        return [
          {
            span: commandSpan(doc, last),
            message: 'apt lists from apt-get update stay in this layer',
          },
        ];
      });
  },
};
