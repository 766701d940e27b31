import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL1000', [
  { name: 'unknown instruction', text: `${BASE}\nRUNN echo hi`, lines: [2] },
  { name: 'unterminated quote', text: `${BASE}\nRUN echo "oops`, lines: [2] },
  { name: 'dangling && at the end', text: `${BASE}\nRUN apt-get update &&`, lines: [2] },
  {
    name: 'pipe to nothing in a continuation',
    text: `${BASE}\nRUN echo a | \\\n  # c\n  `,
    lines: [2],
  },
  { name: 'unmatched paren', text: `${BASE}\nRUN (cd /x && make`, lines: [2] },
  { name: 'COPY without destination', text: `${BASE}\nCOPY onlyone`, lines: [2] },
  { name: 'unterminated heredoc', text: `${BASE}\nRUN <<EOF\necho hi\n`, lines: [2] },
  { name: 'no FROM at all', text: 'RUN echo hi', lines: [1] },
  { name: 'empty file', text: '', lines: [1] },
  {
    name: 'if/for/case/while parse',
    text: `${BASE}\nRUN if [ -f x ]; then a; elif b; then c; else d; fi && for i in 1 2; do e "$i"; done && case "$x" in a|b) f ;; *) g ;; esac && while false; do h; done`,
    lines: [],
  },
  {
    name: 'functions and groups',
    text: `${BASE}\nRUN f() { echo "$1"; } && f x && { a; b; } > /dev/null 2>&1`,
    lines: [],
  },
  {
    name: 'heredoc script is fine',
    text: `${BASE}\nRUN <<EOF\nset -e\necho "a" | tee /x\nEOF`,
    lines: [],
  },
]);
