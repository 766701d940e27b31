import type { LintDocument } from '../document.js';
import type { Hit, Rule } from '../types.js';
import { headSpan } from './helpers.js';

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

export const dl1000: Rule = {
  code: 'DL1000',
  name: 'syntax',
  severity: 'error',
  enabledByDefault: true,
  summary: 'The Dockerfile (or the shell in a RUN) must parse.',
  hint: 'fix the syntax at this position; docker build would fail here or run something else',
  docs: `A file that does not parse cannot be checked, and usually does not build.
Reported, each with its line: an unknown instruction; an instruction without
arguments (or COPY/ADD without a destination); a file without FROM; a here
document without its terminator; shell syntax errors in a RUN (an unterminated
quote, a \`&&\` or \`|\` with no command after it, an unmatched parenthesis).
hadolint reports its parse errors under the same code.`,
  check(doc: LintDocument): Hit[] {
    const hits: Hit[] = [];
    for (const i of doc.instructions) {
      if (!KEYWORDS.has(i.keyword)) {
        hits.push({ span: headSpan(doc, i), message: `unknown instruction "${i.keyword}"` });
        continue;
      }
      const noArgs = i.args.length === 0 && (i.json === undefined || i.json.length === 0);
      if (noArgs && i.keyword !== 'ONBUILD') {
        hits.push({ span: headSpan(doc, i), message: `${i.keyword} needs at least one argument` });
      } else if ((i.keyword === 'COPY' || i.keyword === 'ADD') && (i.json ?? i.args).length < 2) {
        hits.push({
          span: headSpan(doc, i),
          message: `${i.keyword} needs a source and a destination`,
        });
      }
      for (const name of i.openHeredocs) {
        hits.push({
          span: headSpan(doc, i),
          message: `here document "${name}" has no terminating "${name}" line`,
        });
      }
      for (const e of i.shell?.errors ?? []) {
        hits.push({
          span: doc.source.span(e.offset, e.offset + 1),
          message: `shell syntax: ${e.message}`,
        });
      }
    }
    if (doc.stages.length === 0) {
      hits.push({
        span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
        message: 'no FROM instruction: this is not a Dockerfile docker can build',
      });
    }
    return hits;
  },
};
