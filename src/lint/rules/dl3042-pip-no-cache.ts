import type { Rule } from '../types.js';
import { hasOption } from '../tools/options.js';
import { pipCall } from '../tools/pip.js';
import { cacheMountTargets, commandSpan, runs } from './helpers.js';

export const dl3042: Rule = {
  code: 'DL3042',
  name: 'pip-no-cache-dir',
  severity: 'warning',
  enabledByDefault: true,
  summary: "Avoid pip's cache directory: pip install --no-cache-dir.",
  hint: 'add --no-cache-dir, set ENV PIP_NO_CACHE_DIR=1, or mount a cache on /root/.cache/pip',
  docs: `pip keeps every downloaded wheel in ~/.cache/pip, which then ships in the
layer. Satisfied by --no-cache-dir on the command line, PIP_NO_CACHE_DIR set
through ENV, ARG, \`export\` or inline, or a \`--mount=type=cache\` or
\`--mount=type=tmpfs\` on a pip cache directory (or ~/.cache).

Deliberate difference from hadolint: any PIP_NO_CACHE_DIR value counts,
\`0\` and \`false\` included. pip turns its cache off for any boolean value of
PIP_NO_CACHE_DIR, false ones too (kept for backwards compatibility, as its
option handler says), so kubox follows pip rather than hadolint's value check.`,
  check(doc) {
    return runs(doc).flatMap((i) => {
      if (i.vars.has('PIP_NO_CACHE_DIR')) return [];
      if (cacheMountTargets(i).some((t) => /\.cache(\/pip)?$/.test(t))) return [];
      const cmds = i.shell.commands;
      return cmds.flatMap((c) => {
        const call = pipCall(c);
        if (!call || call.tool !== 'pip' || call.subcommand !== 'install') return [];
        if (hasOption(call.args, '--no-cache-dir') || c.env.has('PIP_NO_CACHE_DIR')) return [];
        const exported = cmds.some(
          (e) =>
            e.order < c.order &&
            e.name === 'export' &&
            e.argv.some((a) => a.startsWith('PIP_NO_CACHE_DIR=')),
        );
        if (exported) return [];
        return [{ span: commandSpan(doc, c), message: 'pip install without --no-cache-dir' }];
      });
    });
  },
};
