import type { Rule } from '../types.js';
import { aptCall, assumesYes, installs } from '../tools/apt.js';
import { commandSpan, runs } from './helpers.js';

export const dl3014: Rule = {
  code: 'DL3014',
  name: 'apt-assume-yes',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use the -y switch with apt-get install.',
  hint: 'add -y (or --yes) to apt-get install',
  docs: `Without -y, apt-get asks for confirmation and a non-interactive build
aborts. -y, --yes, --assume-yes, -qq (which implies -y) and
-o APT::Get::Assume-Yes=true count, anywhere on the command line.`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        const call = aptCall(c);
        if (!call || call.tool === 'apt' || !installs(call) || assumesYes(call)) return [];
        return [{ span: commandSpan(doc, c), message: `${call.tool} install without -y` }];
      }),
    );
  },
};
