import type { Rule } from '../types.js';
import { aptCall, installs } from '../tools/apt.js';
import { cacheMountTargets, commandSpan, finalImageRuns } from './helpers.js';

const ARCHIVES = /^\/var\/cache\/apt(\/archives)?(\/\*?)?$|^\/var\/cache\/apt\/archives\/\*\.deb$/;

export const kbx005: Rule = {
  code: 'KBX005',
  name: 'apt-clean',
  severity: 'info',
  enabledByDefault: true,
  summary: "Clean apt's package cache in the RUN that installs.",
  hint: 'end the RUN with `&& apt-get clean && rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/cache/apt',
  docs: `Downloaded .deb files sit in /var/cache/apt/archives. Debian's and
Ubuntu's official images delete them after each install (a docker-clean hook),
but other bases and customised apt configs do not, and the hook is easy to lose;
the seed runs \`apt-get clean\` explicitly and hadolint does not check it.
Satisfied by \`apt-get clean\` (or \`apt-get distclean\`, or \`rm -rf
/var/cache/apt/archives\`) after the last install in the same RUN, or a
\`--mount=type=cache\` (or tmpfs) on /var/cache/apt. aptitude installs count
(\`aptitude clean\` cleans). Only stages in the final image.`,
  check(doc) {
    return finalImageRuns(doc).flatMap((i) => {
      if (cacheMountTargets(i).some((t) => t.startsWith('/var/cache/apt'))) return [];
      const cmds = i.shell.commands;
      const last = cmds
        .filter((c) => {
          const call = aptCall(c);
          return call !== undefined && installs(call);
        })
        .at(-1);
      if (!last) return [];
      const cleaned = cmds.some(
        (c) =>
          c.order > last.order &&
          (['clean', 'distclean', 'dist-clean', 'autoclean'].includes(
            aptCall(c)?.subcommand ?? '',
          ) ||
            (c.name === 'rm' && c.argv.some((a) => ARCHIVES.test(a)))),
      );
      if (cleaned) return [];
      return [
        {
          span: commandSpan(doc, last),
          message: `${last.name} install without apt-get clean in the same RUN`,
        },
      ];
    });
  },
};
