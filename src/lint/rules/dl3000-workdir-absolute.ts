import { expandVars, hasVariable } from '../shell/expand.js';
import { dockerfileWord } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3000: Rule = {
  code: 'DL3000',
  name: 'workdir-absolute',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Use an absolute WORKDIR.',
  hint: 'write the full path, e.g. WORKDIR /app',
  docs: `A relative WORKDIR is resolved against the previous one, which a base image
may change under you. Variables are expanded from ARG and ENV; a path that
still depends on an unknown build arg is not reported. Quotes are read as
BuildKit reads them (\`WORKDIR 'C:\\'\` is \`C:\\\`). Windows paths (C:\\...)
count as absolute.`,
  check(doc) {
    return doc.instructions
      .filter((i) => i.keyword === 'WORKDIR' && i.args.length > 0)
      .flatMap((i) => {
        const raw = i.node.getRawArgumentsContent()?.trim() ?? i.args.join(' ');
        const path = expandVars(dockerfileWord(raw, doc.escape), i.vars);
        if (hasVariable(path) || /^(\/|[A-Za-z]:[\\/]|\\)/.test(path)) return [];
        return [{ span: headSpan(doc, i), message: `WORKDIR "${path}" is relative` }];
      });
  },
};
