import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3006: Rule = {
  code: 'DL3006',
  name: 'image-tag',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Always tag the version of a base image explicitly.',
  hint: 'name the version: FROM debian:12-slim (and pin its digest, see KBX001)',
  docs: `Without a tag, FROM means \`:latest\`, whatever that is today. Not reported
for \`scratch\`, for earlier stages of the same file, for images pinned by digest,
or for a base given by a build arg without a default.`,
  check(doc) {
    return doc.stages.flatMap((s) => {
      const im = s.image;
      if (!im || im.scratch || im.stage || im.unresolved || im.tag || im.digest) return [];
      return [{ span: headSpan(doc, s.from), message: `FROM ${im.text} has no tag` }];
    });
  },
};
