import type { Rule } from '../types.js';
import { finalStage, finalUser, headSpan } from './helpers.js';

export const kbx002: Rule = {
  code: 'KBX002',
  name: 'user-missing',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'The final image sets a USER.',
  hint: 'create an unprivileged user and end with USER <uid>:<gid>, e.g. USER 1000:1000',
  docs: `Without USER, the image runs as whatever its base says, root for almost
every base. hadolint's DL3002 only looks at a USER that is there; no USER at
all passes it. Reported at the final stage's FROM. If the base image already
sets a non-root numeric user (distroless :nonroot), say so with
\`# kubox ignore=KBX002\` above that FROM.`,
  check(doc) {
    const final = finalStage(doc);
    if (!final || finalUser(doc)) return [];
    return [
      { span: headSpan(doc, final.from), message: 'the final image has no USER: it runs as root' },
    ];
  },
};
