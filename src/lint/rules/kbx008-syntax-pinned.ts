import type { Rule } from '../types.js';

export const kbx008: Rule = {
  code: 'KBX008',
  name: 'syntax-digest',
  severity: 'info',
  enabledByDefault: true,
  summary: 'Pin the `# syntax=` frontend image by digest, or leave the directive out.',
  hint: 'drop the line (the built-in frontend is enough for most files) or write docker/dockerfile:1@sha256:<digest>',
  docs: `\`# syntax=docker/dockerfile:1.3\` makes every build pull that frontend image
from Docker Hub and run it with access to the build: an unpinned tag is code
that can change under you, and air-gapped builders cannot fetch it at all. The
seed's Dockerfile carries such a line; kubox renders none by default.`,
  check(doc) {
    return doc.directives
      .filter((d) => d.name === 'syntax' && !d.value.includes('@sha256:'))
      .map((d) => ({
        span: {
          start: { line: d.line, column: 1 },
          end: { line: d.line, column: doc.source.line(d.line).length + 1 },
        },
        message: `frontend ${d.value} is not pinned by digest`,
      }));
  },
};
