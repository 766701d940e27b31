import { Arg, Env } from 'dockerfile-ast';
import { lineage, type Instr } from '../document.js';
import type { Hit, Rule } from '../types.js';
import { headSpan } from './helpers.js';

const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Names set by ARG or ENV before `i` in its stage and the stages it is built FROM. */
function definedBefore(i: Instr): Set<string> {
  const names = new Set<string>();
  if (!i.stage) return names;
  for (const x of lineage(i.stage)) {
    if (x.start >= i.start) break;
    if (x.node instanceof Arg) {
      const p = x.node.getProperty();
      if (p) names.add(p.getName());
    } else if (x.node instanceof Env) {
      for (const p of x.node.getProperties()) names.add(p.getName());
    }
  }
  return names;
}

export const dl3044: Rule = {
  code: 'DL3044',
  name: 'env-self-reference',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Do not refer to a variable in the same ENV that defines it.',
  hint: 'split it: ENV A=1 then ENV B=$A/x (or repeat the value)',
  docs: `In \`ENV A=/opt B=$A/bin\` the \`$A\` is replaced with A's value from
before this ENV (usually empty), not with \`/opt\`: all pairs of one ENV are
expanded at once. Reported when a value refers to a name set earlier in the
same ENV that was not already set by an earlier ARG or ENV (\`ENV
PATH=/x:$PATH\` is fine).`,
  check(doc) {
    const hits: Hit[] = [];
    for (const i of doc.instructions) {
      if (!(i.node instanceof Env)) continue;
      const props = i.node.getProperties();
      if (props.length < 2) continue;
      const before = definedBefore(i);
      const seen = new Set<string>();
      for (const p of props) {
        const value = p.getValue() ?? '';
        for (const m of value.matchAll(REF)) {
          const name = (m[1] ?? m[2])!;
          if (seen.has(name) && !before.has(name))
            hits.push({
              span: headSpan(doc, i),
              message: `ENV ${p.getName()} refers to $${name}, which this same ENV sets`,
            });
        }
        seen.add(p.getName());
      }
    }
    return hits;
  },
};
