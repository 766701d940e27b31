import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX004', [
  { name: 'named, never created', text: `${BASE}\nUSER app`, lines: [2] },
  { name: 'uid typo', text: `${BASE}\nRUN useradd -u 1000 app\nUSER 1001`, lines: [3] },
  {
    name: 'group never created',
    text: `${BASE}\nRUN useradd -u 1000 app\nUSER 1000:staffers`,
    lines: [3],
  },
  {
    name: 'created with adduser (BusyBox)',
    text: `${BASE}\nRUN adduser -D -u 1000 app\nUSER app`,
    lines: [],
  },
  {
    name: 'created in a parent stage',
    text: `${BASE} AS b\nRUN useradd --uid 1000 app\nFROM b\nUSER 1000`,
    lines: [],
  },
  { name: 'well-known account', text: `${BASE}\nUSER nobody`, lines: [] },
  { name: 'numeric, nothing created', text: `${BASE}\nUSER 65532`, lines: [] },
]);
