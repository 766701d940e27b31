import { parseImageRef, type Instr, type LintDocument } from '../document.js';
import { expandVars, hasVariable } from '../shell/expand.js';
import type { Hit, Rule } from '../types.js';
import { headSpan, mounts } from './helpers.js';

function matches(registry: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(registry);
}

/** `COPY --from=X` and `RUN --mount=...,from=X` where X is an image, not a stage of this file. */
function imagesPulledBy(doc: LintDocument, i: Instr): string[] {
  const froms =
    i.keyword === 'COPY'
      ? i.flags.filter((f) => f.name === 'from' && f.value).map((f) => f.value!)
      : i.keyword === 'RUN'
        ? mounts(i).flatMap((m) => (m.from ? [m.from] : []))
        : [];
  return froms
    .map((f) => expandVars(f, i.vars))
    .filter((f) => {
      if (hasVariable(f) || /^\d+$/.test(f) || f.toLowerCase() === 'scratch') return false;
      // A stage named before this instruction; BuildKit reads a name it does not know as an image.
      return !doc.stages.some(
        (s) => s.name?.toLowerCase() === f.toLowerCase() && s.from.start < i.start,
      );
    });
}

export const dl3026: Rule = {
  code: 'DL3026',
  name: 'trusted-registries',
  severity: 'error',
  enabledByDefault: true,
  summary:
    'Use only allowed registries (trustedRegistries) in FROM, COPY --from and RUN --mount from=.',
  hint: 'pull the image from an allowed registry, or add the registry to trustedRegistries',
  docs: `Active only when the config lists \`trustedRegistries\` (\`*\` wildcards
allowed, e.g. \`*.gcr.io\`). An image without a registry comes from docker.io.
Every place a Dockerfile pulls an image is checked: FROM, \`COPY --from=IMAGE\`
and \`RUN --mount=...,from=IMAGE\`. Earlier stages (by name or index), scratch
and unresolvable build args are not reported.`,
  check(doc, options) {
    if (options.trustedRegistries.length === 0) return [];
    const untrusted = (text: string): string | undefined => {
      const registry = parseImageRef(text).registry ?? 'docker.io';
      const ok = options.trustedRegistries.some(
        (t) => matches(registry, t) || (registry === 'docker.io' && matches('hub.docker.com', t)),
      );
      return ok ? undefined : registry;
    };
    const hits: Hit[] = [];
    for (const s of doc.stages) {
      const im = s.image;
      if (!im || im.scratch || im.stage || im.unresolved) continue;
      const registry = untrusted(im.text);
      if (registry)
        hits.push({
          span: headSpan(doc, s.from),
          message: `registry ${registry} is not in trustedRegistries`,
        });
    }
    for (const i of doc.instructions) {
      for (const image of imagesPulledBy(doc, i)) {
        const registry = untrusted(image);
        if (registry)
          hits.push({
            span: headSpan(doc, i),
            message: `${i.keyword} pulls ${image}: registry ${registry} is not in trustedRegistries`,
          });
      }
    }
    return hits;
  },
};
