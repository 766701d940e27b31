import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3061: Rule = {
  code: 'DL3061',
  name: 'instruction-order',
  severity: 'error',
  enabledByDefault: true,
  summary: 'A Dockerfile begins with FROM, ARG, a comment or a parser directive.',
  hint: 'move this instruction after the first FROM',
  docs: `Only ARG may come before the first FROM (its value is then usable in FROM).
Anything else there is rejected by docker build.`,
  check(doc) {
    const first = doc.instructions.find((i) => i.keyword !== 'ARG');
    if (!first || first.keyword === 'FROM') return [];
    return [{ span: headSpan(doc, first), message: `${first.keyword} before the first FROM` }];
  },
};
