import { lineage } from '../document.js';
import type { Rule } from '../types.js';
import { aptCall, installs, skipsRecommends } from '../tools/apt.js';
import { commandSpan, runs } from './helpers.js';

export const dl3015: Rule = {
  code: 'DL3015',
  name: 'apt-no-install-recommends',
  severity: 'info',
  enabledByDefault: true,
  summary: 'Avoid additional packages: apt-get install --no-install-recommends.',
  hint: 'add --no-install-recommends and list what you need explicitly',
  docs: `Recommended packages are not needed to run what you install and can double
an image's size. --no-install-recommends or -o APT::Install-Recommends=false on
the command line count, and so does an earlier RUN in the same image that
configures APT::Install-Recommends (an apt.conf.d snippet).`,
  check(doc) {
    return runs(doc).flatMap((i) => {
      const earlier = i.stage ? lineage(i.stage).filter((x) => x.start < i.start) : [];
      const configured = earlier.some((x) =>
        x.shell?.commands.some((c) => c.words.some((w) => /APT::Install-Recommends/i.test(w))),
      );
      if (configured) return [];
      return i.shell.commands.flatMap((c) => {
        const call = aptCall(c);
        if (!call || call.tool === 'apt' || !installs(call) || skipsRecommends(call)) return [];
        return [
          {
            span: commandSpan(doc, c),
            message: `${call.tool} install without --no-install-recommends`,
          },
        ];
      });
    });
  },
};
