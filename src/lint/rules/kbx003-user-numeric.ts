import type { Rule } from '../types.js';
import { finalUser, headSpan, isRoot } from './helpers.js';

export const kbx003: Rule = {
  code: 'KBX003',
  name: 'user-numeric',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'The final USER is numeric (a uid, optionally :gid).',
  hint: 'write the uid: USER 1000:1000 (the name still exists inside the image)',
  docs: `The kubelet cannot resolve a user name to enforce \`runAsNonRoot: true\`
(or \`kubectl debug --profile=restricted\`) and refuses the pod: "image has
non-numeric user (kuser), cannot verify user is non-root". A numeric uid works
everywhere. Only the user part must be numeric; \`1000:1000\` is clearest.`,
  check(doc) {
    const u = finalUser(doc);
    if (!u || u.unresolved || isRoot(u.user) || /^\d+$/.test(u.user)) return [];
    return [
      {
        span: headSpan(doc, u.instr),
        message: `USER ${u.user} is a name: Kubernetes cannot verify runAsNonRoot for it`,
      },
    ];
  },
};
