import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export function repeated(keyword: string) {
  return (doc: Parameters<Rule['check']>[0]) =>
    doc.stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === keyword && !i.onbuild)
        .slice(1)
        .map((i) => ({
          span: headSpan(doc, i),
          message: `more than one ${keyword} in this stage; only the last applies`,
        })),
    );
}

export const dl4003: Rule = {
  code: 'DL4003',
  name: 'single-cmd',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Only one CMD per stage.',
  hint: 'keep the one CMD you mean',
  docs: 'Only the last CMD of a stage takes effect; the others mislead readers.',
  check: repeated('CMD'),
};
