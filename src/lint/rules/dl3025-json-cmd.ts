import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const dl3025: Rule = {
  code: 'DL3025',
  name: 'json-cmd',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use the JSON (exec) form for CMD and ENTRYPOINT.',
  hint: 'write CMD ["executable", "arg"]',
  docs: `In shell form the process runs under /bin/sh -c: it does not receive
SIGTERM, so \`kubectl delete pod\` waits for the grace period and then kills it.
Exec form runs the program as PID 1 and needs no shell in the image.`,
  check(doc) {
    return doc.instructions
      .filter(
        (i) => (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && i.args.length > 0 && !i.json,
      )
      .map((i) => ({ span: headSpan(doc, i), message: `${i.keyword} in shell form` }));
  },
};
