import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3047', [
  { name: 'plain wget', text: `${BASE}\nRUN wget https://x/a.tgz`, lines: [2] },
  { name: 'wget -O file', text: `${BASE}\nRUN wget -O /a.tgz https://x/a.tgz`, lines: [2] },
  {
    name: '-O value containing q is no -q',
    text: `${BASE}\nRUN wget -Oqa.tgz https://x/a.tgz`,
    lines: [2],
  },
  {
    name: 'second wget in a chain',
    text: `${BASE}\nRUN wget -q https://x/a && \\\n  wget https://x/b`,
    lines: [3],
  },
  { name: '--progress', text: `${BASE}\nRUN wget --progress=dot:giga https://x/a.tgz`, lines: [] },
  { name: '-q', text: `${BASE}\nRUN wget -q https://x/a.tgz`, lines: [] },
  { name: '-qO- cluster', text: `${BASE}\nRUN wget -qO- https://x/a | tar xz`, lines: [] },
  { name: '-nv', text: `${BASE}\nRUN wget -nv https://x/a.tgz`, lines: [] },
  { name: '--no-verbose', text: `${BASE}\nRUN wget --no-verbose https://x/a.tgz`, lines: [] },
  { name: 'log to a file', text: `${BASE}\nRUN wget -o /tmp/log https://x/a.tgz`, lines: [] },
  { name: 'curl', text: `${BASE}\nRUN curl -fsSLO https://x/a.tgz`, lines: [] },
]);
