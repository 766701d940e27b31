import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3024: Rule = {
  code: 'DL3024',
  name: 'unique-stage-names',
  severity: 'error',
  enabledByDefault: true,
  summary: 'FROM aliases (stage names) must be unique.',
  hint: 'rename one of the stages',
  docs: `Two stages with the same name make \`COPY --from=name\` and \`--target name\`
ambiguous; docker build rejects it. Names compare case-insensitively.`,
  check(doc) {
    const seen = new Set<string>();
    return doc.stages.flatMap((s) => {
      if (!s.name) return [];
      const key = s.name.toLowerCase();
      if (!seen.has(key)) {
        seen.add(key);
        return [];
      }
      return [{ span: headSpan(doc, s.from), message: `stage name "${s.name}" is used twice` }];
    });
  },
};
