import type { Rule } from '../types.js';
import { copyFrom } from './dl3022-copy-from-stage.js';
import { headSpan } from './helpers.js';

export const dl3023: Rule = {
  code: 'DL3023',
  name: 'copy-from-own-stage',
  severity: 'error',
  enabledByDefault: true,
  summary: 'COPY --from must not name the stage it is in.',
  hint: 'copy from the stage that produced the files, or use a plain COPY',
  docs: `A stage cannot copy from itself: its files are not finished yet, and docker
build reports a circular dependency. Reported for the stage's own name (any
case) and its own index.`,
  check(doc) {
    return doc.instructions.flatMap((i) => {
      const from = copyFrom(i);
      const s = i.stage;
      if (from === undefined || !s) return [];
      const self =
        (s.name !== undefined && s.name.toLowerCase() === from.toLowerCase()) ||
        (/^\d+$/.test(from) && Number(from) === s.index);
      if (!self) return [];
      return [{ span: headSpan(doc, i), message: `COPY --from=${from} names its own stage` }];
    });
  },
};
