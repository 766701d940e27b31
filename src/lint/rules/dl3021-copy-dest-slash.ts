import { unquote } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3021: Rule = {
  code: 'DL3021',
  name: 'copy-multiple-sources-dir',
  severity: 'error',
  enabledByDefault: true,
  summary: 'COPY with more than one source needs a destination ending in /.',
  hint: 'end the destination with a slash: COPY a b /dest/',
  docs: `With several sources the destination must be a directory, and docker build
wants it written as one, with a trailing \`/\`; without it the build fails (or,
with a wildcard that happens to match one file, copies that file under the
directory's name). Shell and exec (JSON) forms are both checked; a destination
given by a variable is not reported, nor \`COPY <<EOF\` here documents.`,
  check(doc) {
    return doc.instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => {
        const words = i.json ?? i.args.map(unquote);
        const sources = words.slice(0, -1).filter((s) => !s.startsWith('<<'));
        const dest = words.at(-1) ?? '';
        if (sources.length < 2 || dest.endsWith('/') || dest.includes('$')) return [];
        return [
          {
            span: headSpan(doc, i),
            message: `COPY of ${sources.length} sources to "${dest}", which does not end in /`,
          },
        ];
      });
  },
};
