import type { Instr } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

const flagKey = (i: Instr) => JSON.stringify(i.flags.map((f) => [f.name, f.value]));

export const dl3059: Rule = {
  code: 'DL3059',
  name: 'consecutive-runs',
  severity: 'info',
  enabledByDefault: true,
  summary: 'Consecutive RUN instructions could be one.',
  hint: 'chain the commands with && in one RUN',
  docs: `Each RUN is a layer; what one removes, an earlier one still ships. Two RUNs
in a row (comments in between do not count) with the same flags are reported
on the second. RUNs with different --mount/--network flags are left alone.

Deliberate difference from hadolint, which stays quiet when the RUNs already
chain several commands each: a chained RUN followed by another still makes
two layers, and a file removed in the second still ships in the first, so
kubox reports consecutive RUNs whether or not they are chained. Split on
purpose (a slow step cached apart)? Say so with \`# kubox ignore=DL3059\`.`,
  check(doc) {
    const own = doc.instructions.filter((i) => !i.onbuild);
    return own.flatMap((i, k) => {
      const prev = own[k - 1];
      if (!prev || i.keyword !== 'RUN' || prev.keyword !== 'RUN' || prev.stage !== i.stage)
        return [];
      if (flagKey(prev) !== flagKey(i)) return [];
      return [
        { span: headSpan(doc, i), message: `RUN follows the RUN on line ${prev.span.start.line}` },
      ];
    });
  },
};
