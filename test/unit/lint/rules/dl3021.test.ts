import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3021', [
  { name: 'two sources, no slash', text: `${BASE}\nCOPY a.txt b.txt /dest`, lines: [2] },
  { name: 'exec form, no slash', text: `${BASE}\nCOPY ["a", "b", "/dest"]`, lines: [2] },
  { name: 'quoted destination, no slash', text: `${BASE}\nCOPY a b "/dest"`, lines: [2] },
  {
    name: 'with --from, no slash',
    text: `${BASE} AS b\n${BASE}\nCOPY --from=b /a /b /dest`,
    lines: [3],
  },
  { name: 'two sources, slash', text: `${BASE}\nCOPY a.txt b.txt /dest/`, lines: [] },
  { name: 'one source', text: `${BASE}\nCOPY a.txt /dest`, lines: [] },
  { name: 'exec form, slash', text: `${BASE}\nCOPY ["a", "b", "/dest/"]`, lines: [] },
  { name: 'destination from a variable', text: `${BASE}\nARG D\nCOPY a b $D`, lines: [] },
]);
