import { lineage, unquote } from '../document.js';
import { hasVariable } from '../shell/expand.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3045: Rule = {
  code: 'DL3045',
  name: 'copy-relative-without-workdir',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'COPY to a relative destination needs a WORKDIR first.',
  hint: 'set WORKDIR /app before the COPY, or write an absolute destination',
  docs: `A relative COPY destination is resolved against the working directory,
which, without a WORKDIR in this stage (or a stage it is built FROM), is
whatever the base image sets: \`/\` for most, something else for others, and it
can change with the base. Destinations given by a variable, absolute Windows
paths and ONBUILD triggers are not reported.`,
  check(doc) {
    return doc.instructions.flatMap((i) => {
      if (i.keyword !== 'COPY' || i.onbuild || !i.stage) return [];
      const dest = (i.json ?? i.args.map(unquote)).at(-1);
      if (dest === undefined || (i.json ?? i.args).length < 2) return [];
      if (/^(\/|[A-Za-z]:[\\/]|\\)/.test(dest) || hasVariable(dest) || dest.includes('$'))
        return [];
      const workdir = lineage(i.stage).some((x) => x.keyword === 'WORKDIR' && x.start < i.start);
      if (workdir) return [];
      return [
        { span: headSpan(doc, i), message: `COPY to relative "${dest}" with no WORKDIR set` },
      ];
    });
  },
};
