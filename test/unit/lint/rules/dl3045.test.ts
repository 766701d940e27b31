import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3045', [
  { name: 'relative, no WORKDIR', text: `${BASE}\nCOPY app.py app/`, lines: [2] },
  { name: 'dot, no WORKDIR', text: `${BASE}\nCOPY . .`, lines: [2] },
  {
    name: 'WORKDIR only in another stage',
    text: `${BASE} AS b\nWORKDIR /src\n${BASE}\nCOPY a b`,
    lines: [4],
  },
  { name: 'WORKDIR after the COPY', text: `${BASE}\nCOPY a b\nWORKDIR /app`, lines: [2] },
  { name: 'absolute', text: `${BASE}\nCOPY app.py /app/`, lines: [] },
  { name: 'WORKDIR first', text: `${BASE}\nWORKDIR /app\nCOPY . .`, lines: [] },
  {
    name: 'WORKDIR in the parent stage',
    text: `${BASE} AS b\nWORKDIR /src\nFROM b\nCOPY a b`,
    lines: [],
  },
  { name: 'variable destination', text: `${BASE}\nARG D\nCOPY a $D`, lines: [] },
  { name: 'exec form absolute', text: `${BASE}\nCOPY ["a", "/b"]`, lines: [] },
]);
