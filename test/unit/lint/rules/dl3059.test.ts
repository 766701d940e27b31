import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3059', [
  { name: 'two RUNs', text: `${BASE}\nRUN a\n# why\nRUN b`, lines: [4] },
  {
    name: 'different mounts',
    text: `${BASE}\nRUN --mount=type=cache,target=/x a\nRUN b`,
    lines: [],
  },
  { name: 'separated', text: `${BASE}\nRUN a\nENV X=1\nRUN b`, lines: [] },
]);
