import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3024', [
  { name: 'duplicate', text: `${BASE} AS a\n${BASE} AS A`, lines: [2] },
  { name: 'unique', text: `${BASE} AS a\n${BASE} AS b`, lines: [] },
]);
