import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3061', [
  { name: 'RUN before FROM', text: `RUN echo\n${BASE}`, lines: [1] },
  { name: 'ARG before FROM is fine', text: `ARG X=1\n${BASE}`, lines: [] },
]);
