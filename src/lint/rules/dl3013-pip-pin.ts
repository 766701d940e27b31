import type { Rule } from '../types.js';
import { optionValues } from '../tools/options.js';
import { isPinnedOrLocal, pipCall } from '../tools/pip.js';
import { commandSpan, runs } from './helpers.js';

export const dl3013: Rule = {
  code: 'DL3013',
  name: 'pip-pin-versions',
  severity: 'warning',
  enabledByDefault: false,
  summary: 'Pin versions in pip install (off by default).',
  hint: 'write name==version, or install from a requirements file with hashes',
  docs: `Off by default: the seed installs its Python tools unpinned on purpose
(a debug image wants current tools). Turn it on for application images.
Any version comparison counts as a pin (\`==\`, \`~=\`, \`>=\`, \`<=\`, \`>\`, \`<\`,
\`!=\`). Not reported: installs from a requirements file
(\`-r\`) or with a constraints file (\`-c\`/\`--constraint\`, which pins what it
names), local paths (\`.\`, \`./pkg\`, \`foo/bar\`), archive URLs and wheels.
A VCS URL (\`git+https://...\`) counts as pinned only with an \`@ref\` after its
path. \`pipx install\` is checked like \`pip install\`. Option values
(\`--root-user-action ignore\`, \`--index-url URL\`) are never read as packages.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        const call = pipCall(c);
        if (!call || call.subcommand !== 'install') return [];
        // A requirements or constraints file decides the versions.
        if (optionValues(call.args, '-r', '--requirement', '-c', '--constraint').length > 0)
          return [];
        const loose = call.operands.filter((r) => !isPinnedOrLocal(r) && !r.includes('$'));
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
