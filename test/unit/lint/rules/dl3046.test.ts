import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3046', [
  { name: 'high uid', text: `${BASE}\nRUN useradd -u 123456789 app`, lines: [2] },
  { name: 'with -l', text: `${BASE}\nRUN useradd -l -u 123456789 app`, lines: [] },
  { name: 'low uid', text: `${BASE}\nRUN useradd -u 1000 app`, lines: [] },
]);
