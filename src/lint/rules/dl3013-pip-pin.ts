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
Requirements files (-r), constraints, paths, URLs and wheels are not reported.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        const call = pipCall(c);
        if (!call || call.subcommand !== 'install') return [];
        if (
          optionValues(call.args, '-r', '--requirement', '-c', '--constraint').length > 0 &&
          call.operands.length === 0
        )
          return [];
        const loose = call.operands.filter((r) => !isPinnedOrLocal(r) && !r.includes('$'));
        if (loose.length === 0) return [];
        return [
          {
            span: commandSpan(doc, c),
            message: `pip install without versions: ${loose.join(', ')}`,
          },
        ];
      }),
    );
  },
};
