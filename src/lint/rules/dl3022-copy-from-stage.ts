import type { Instr, LintDocument } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

/** The `--from` value of a COPY, if any. */
export function copyFrom(i: Instr): string | undefined {
  if (i.keyword !== 'COPY') return undefined;
  return i.flags.find((f) => f.name === 'from' && f.value)?.value ?? undefined;
}

/** An image reference rather than a stage name: it has a tag, digest or path. */
export function looksLikeImage(from: string): boolean {
  return /[:/@]/.test(from) || from.toLowerCase() === 'scratch';
}

export function namesEarlierStage(doc: LintDocument, i: Instr, from: string): boolean {
  const current = i.stage?.index ?? -1;
  if (/^\d+$/.test(from)) return Number(from) < current;
  return doc.stages.some(
    (s) => s.index < current && s.name !== undefined && s.name.toLowerCase() === from.toLowerCase(),
  );
}

export const dl3022: Rule = {
  code: 'DL3022',
  name: 'copy-from-earlier-stage',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'COPY --from names an earlier stage (FROM ... AS name), or an image with a tag.',
  hint: 'name a stage defined above (FROM image AS builder ... COPY --from=builder), or a full image reference',
  docs: `\`COPY --from=builder\` with no stage called builder above it pulls an image
called builder from Docker Hub instead: usually a typo or a stage defined
further down. Reported: a name that is no earlier stage and does not look like
an image reference (no tag, digest or registry path), and a stage index that
is not smaller than the current stage's. \`COPY --from=debian:12\` (an image) is
fine. A COPY --from naming its own stage is DL3023's business.`,
  check(doc) {
    return doc.instructions.flatMap((i) => {
      const from = copyFrom(i);
      if (from === undefined || from.includes('$') || !i.stage) return [];
      if (namesEarlierStage(doc, i, from) || looksLikeImage(from)) return [];
      if (i.stage.name?.toLowerCase() === from.toLowerCase() || Number(from) === i.stage.index)
        return [];
      return [
        {
          span: headSpan(doc, i),
          message: `COPY --from=${from}: no earlier stage has that name`,
        },
      ];
    });
  },
};
