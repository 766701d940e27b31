import type { Rule } from '../types.js';
import { finalUser, headSpan, isRoot } from './helpers.js';

export const dl3002: Rule = {
  code: 'DL3002',
  name: 'last-user-root',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'The last USER of the final image is not root.',
  hint: 'switch to an unprivileged numeric user at the end, e.g. USER 1000:1000',
  docs: `A container that runs as root turns any escape into root on the node, and
Kubernetes' runAsNonRoot refuses it. Switching to root for a few instructions is
fine; the last USER of the final stage (or of the stage it is built FROM) is
what counts. Builder stages are not checked.

Deliberate difference from hadolint, which checks the last USER of every
stage: a builder stage's user never runs in the cluster, and builders often
need root to install build tools, so kubox only checks the image that ships.
KBX002 covers the final image with no USER at all.`,
  check(doc) {
    const u = finalUser(doc);
    if (!u || u.unresolved || !isRoot(u.user)) return [];
    return [
      {
        span: headSpan(doc, u.instr),
        message: `the image runs as root (USER ${u.instr.args.join(' ')})`,
      },
    ];
  },
};
