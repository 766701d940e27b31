import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX003', [
  { name: 'named', text: `${BASE}\nRUN useradd -u 1000 kuser\nUSER kuser`, lines: [3] },
  {
    name: 'named with numeric group',
    text: `${BASE}\nRUN useradd -u 1000 kuser\nUSER kuser:1000`,
    lines: [3],
  },
  { name: 'numeric', text: `${BASE}\nUSER 1000:1000`, lines: [] },
  { name: 'numeric through ARG', text: `${BASE}\nARG UID=1000\nUSER \${UID}`, lines: [] },
  { name: 'unknown ARG', text: `${BASE}\nARG UID\nUSER $UID`, lines: [] },
]);
