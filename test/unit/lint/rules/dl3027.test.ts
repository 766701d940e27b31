import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3027', [
  { name: 'apt', text: `${BASE}\nRUN apt install -y curl`, lines: [2] },
  {
    name: 'apt-get',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
    lines: [],
  },
]);
