import type { Rule } from '../types.js';
import { runs } from './helpers.js';

export const dl4006: Rule = {
  code: 'DL4006',
  name: 'pipefail',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Set pipefail before a RUN that pipes.',
  hint: 'add SHELL ["/bin/bash", "-o", "pipefail", "-c"] before the RUN, or start the RUN with set -o pipefail',
  docs: `A pipeline's status is its last command's: in \`curl URL | gpg --dearmor -o key\`
a failed download is hidden by gpg's success and the build goes on with an
empty keyring. Satisfied by a SHELL with \`-o pipefail\` (inherited by later
stages built FROM this one), by \`set -o pipefail\` (or \`set -euo pipefail\`)
earlier in the same script, or by \`bash -o pipefail -c\`. Reported once per
RUN, at its first unprotected pipe.`,
  check(doc) {
    return runs(doc).flatMap((i) => {
      const pipe = i.shell.pipes.find((p) => !p.pipefail);
      if (!pipe) return [];
      const first = i.shell.commands.find(
        (c) => c.pipelineId === pipe.pipelineId && c.pipelineIndex === 0,
      );
      const names = i.shell.commands
        .filter((c) => c.pipelineId === pipe.pipelineId)
        .map((c) => c.name);
      return [
        {
          span: doc.source.span(first?.start ?? pipe.offset, pipe.offset + 1),
          message: `pipe (${names.join(' | ')}) without pipefail: a failure before the last command is ignored`,
        },
      ];
    });
  },
};
