import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const kbx001: Rule = {
  code: 'KBX001',
  name: 'base-digest',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Pin every base image by digest.',
  hint: 'write FROM name:tag@sha256:<digest> (docker buildx imagetools inspect name:tag shows it)',
  docs: `A tag is a pointer the publisher moves; the digest is the content. Pinned,
a rebuild gets the exact base it was reviewed and scanned with, and a
compromised tag cannot slip in (the seed pins \`python:3.13-slim@sha256:...\`).
hadolint has no such rule. Checked for every stage's external base (builder
stages too: what they compile ships); scratch, earlier stages and bases given
by a build arg without default are not reported.`,
  check(doc) {
    return doc.stages.flatMap((s) => {
      const im = s.image;
      if (!im || im.scratch || im.stage || im.unresolved || im.digest) return [];
      return [{ span: headSpan(doc, s.from), message: `FROM ${im.text} is not pinned by digest` }];
    });
  },
};
