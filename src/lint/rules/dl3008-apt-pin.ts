import type { Rule } from '../types.js';
import { aptCall, installs, packages } from '../tools/apt.js';
import { commandSpan, runs } from './helpers.js';

export const dl3008: Rule = {
  code: 'DL3008',
  name: 'apt-pin-versions',
  severity: 'warning',
  enabledByDefault: false,
  summary: 'Pin versions in apt-get install (off by default).',
  hint: 'write package=version, e.g. curl=7.88.1-10+deb12u12',
  docs: `Off by default. Debian's archive keeps only the current version of a
package, so a pinned version stops resolving after the next point release and
the build breaks; the seed design deliberately leaves apt packages unpinned and
relies on the base digest, a rebuild cadence and image scanning instead. Turn it
on (\`enable: [DL3008]\` or an \`override\` level in .kubox-lint.yaml) where a
snapshot mirror makes pins last.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        const call = aptCall(c);
        if (!call || call.tool === 'apt' || !installs(call)) return [];
        const loose = packages(call).filter((p) => !p.includes('=') && !p.includes('$'));
        if (loose.length === 0) return [];
        return [
          {
            span: commandSpan(doc, c),
            message: `${call.tool} install without versions: ${loose.join(', ')}`,
          },
        ];
      }),
    );
  },
};
