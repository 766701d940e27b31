import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL4004', [
  { name: 'two ENTRYPOINTs', text: `${BASE}\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]`, lines: [3] },
  { name: 'one', text: `${BASE}\nENTRYPOINT ["a"]`, lines: [] },
]);
