import { unquote } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

// A git repository over https (`https://host/repo.git#ref`): BuildKit clones it, --checksum is for files.
const GIT = /\.git(#.*)?$/i;

export const kbx007: Rule = {
  code: 'KBX007',
  name: 'add-checksum',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'ADD of a remote URL carries --checksum.',
  hint: 'add --checksum=sha256:<digest> (BuildKit, dockerfile:1.6+), or download and verify in a RUN',
  docs: `\`ADD https://...\` fetches whatever the server returns at build time. BuildKit
verifies it when given \`--checksum=sha256:...\`. Git sources (\`ADD git@...\`,
\`ADD https://host/repo.git#ref\`) are not reported: pin them with a commit in
the URL fragment.`,
  check(doc) {
    return doc.instructions
      .filter((i) => i.keyword === 'ADD' && !i.flags.some((f) => f.name === 'checksum'))
      .flatMap((i) => {
        const urls = (i.json ?? i.args.map(unquote))
          .slice(0, -1)
          .filter((s) => /^https?:\/\//i.test(s) && !GIT.test(s));
        if (urls.length === 0) return [];
        return [{ span: headSpan(doc, i), message: `ADD ${urls.join(' ')} without --checksum` }];
      });
  },
};
