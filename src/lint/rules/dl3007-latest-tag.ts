import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3007: Rule = {
  code: 'DL3007',
  name: 'no-latest',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Do not use the latest tag for a base image.',
  hint: 'name a version tag, and pin its digest',
  docs: `\`latest\` moves; two builds of the same Dockerfile get different bases. Not
reported when a digest pins the image anyway (the tag is then only a label).`,
  check(doc) {
    return doc.stages.flatMap((s) => {
      const im = s.image;
      if (!im || im.stage || im.digest || im.tag !== 'latest') return [];
      return [{ span: headSpan(doc, s.from), message: `FROM ${im.text} uses the latest tag` }];
    });
  },
};
