import { unquote } from '../document.js';
import type { Rule } from '../types.js';
import { headSpan } from './helpers.js';

export const ARCHIVE = /\.(tar|tar\.(gz|bz2|xz|zst)|tgz|tbz2?|txz|tzst|gz|bz2|xz)$/i;
export const REMOTE = /^(https?|git|ssh):\/\/|^git@|\.git(#.*)?$/i;

export const dl3020: Rule = {
  code: 'DL3020',
  name: 'copy-not-add',
  severity: 'error',
  enabledByDefault: true,
  summary: 'Use COPY instead of ADD for files and folders.',
  hint: 'replace ADD with COPY',
  docs: `ADD also fetches URLs and unpacks local tar archives; for a plain file that
magic is a surprise waiting to happen. Local archives (which ADD unpacks) and
remote sources are not reported here (a remote ADD is KBX007's business).`,
  check(doc) {
    return doc.instructions
      .filter((i) => i.keyword === 'ADD')
      .flatMap((i) => {
        const sources = (i.json ?? i.args.map(unquote)).slice(0, -1);
        const plain = sources.filter(
          (s) => !REMOTE.test(s) && !ARCHIVE.test(s) && !s.startsWith('<<'),
        );
        if (plain.length === 0) return [];
        return [{ span: headSpan(doc, i), message: `ADD of local file(s) ${plain.join(', ')}` }];
      });
  },
};
