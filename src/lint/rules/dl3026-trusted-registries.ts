import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

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

export const dl3026: Rule = {
  code: 'DL3026',
  name: 'trusted-registries',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Use only allowed registries in FROM (trustedRegistries).',
  hint: 'pull the base from an allowed registry, or add the registry to trustedRegistries',
  docs: `Active only when the config lists \`trustedRegistries\` (\`*\` wildcards
allowed, e.g. \`*.gcr.io\`). An image without a registry comes from docker.io.
Earlier stages, scratch and unresolvable build args are not reported.`,
  check(doc, options) {
    if (options.trustedRegistries.length === 0) return [];
    return doc.stages.flatMap((s) => {
      const im = s.image;
      if (!im || im.scratch || im.stage || im.unresolved) return [];
      const registry = im.registry ?? 'docker.io';
      const ok = options.trustedRegistries.some(
        (t) => matches(registry, t) || (registry === 'docker.io' && matches('hub.docker.com', t)),
      );
      return ok
        ? []
        : [
            {
              span: headSpan(doc, s.from),
              message: `registry ${registry} is not in trustedRegistries`,
            },
          ];
    });
  },
};
