import { stageLabels } from '../document.js';
import type { Rule } from '../types.js';
import { finalStage, headSpan } from './helpers.js';

export const dl3049: Rule = {
  code: 'DL3049',
  name: 'required-label',
  severity: 'info',
  enabledByDefault: true,
  summary: 'The final image carries the required labels (requiredLabels).',
  hint: 'add a LABEL for it, e.g. LABEL org.opencontainers.image.source="https://..."',
  docs: `Active only when the config lists labels: \`requiredLabels\` in
.kubox-lint.yaml, or the keys of hadolint's \`label-schema\`. Labels set in the
final stage or a stage it is built FROM count; labels passed with
\`docker build --label\` are not visible here, which is why nothing is required
by default (kubox build sets the OCI labels that way).`,
  check(doc, options) {
    const final = finalStage(doc);
    if (!final || options.requiredLabels.length === 0) return [];
    const labels = stageLabels(final);
    return options.requiredLabels
      .filter((l) => !labels.has(l))
      .map((l) => ({ span: headSpan(doc, final.from), message: `label ${l} is missing` }));
  },
};
