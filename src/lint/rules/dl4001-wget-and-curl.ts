import type { Hit, Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

export const dl4001: Rule = {
  code: 'DL4001',
  name: 'wget-or-curl',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Use either wget or curl, not both.',
  hint: 'pick one downloader (curl -fsSL, or wget -q) and use it everywhere',
  docs: `Two downloaders are two packages to install, patch and scan, and two sets of
flags to get right. Reported, as hadolint does, at each use of either tool from
the point where the file has used both (ONBUILD triggers included). Installing
them (\`apt-get install curl wget\`) is not a use.`,
  check(doc) {
    const seen = new Set<string>();
    const hits: Hit[] = [];
    for (const i of runs(doc)) {
      const used = i.shell.commands.filter((c) => c.name === 'curl' || c.name === 'wget');
      used.forEach((c) => seen.add(c.name));
      if (seen.size < 2) continue;
      for (const c of used)
        hits.push({
          span: commandSpan(doc, c),
          message: `${c.name}: this Dockerfile uses both wget and curl`,
        });
    }
    return hits;
  },
};
