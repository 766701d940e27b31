import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3003', [
  { name: 'cd in a chain', text: `${BASE}\nRUN cd /src && make`, lines: [2] },
  { name: 'cd on a continuation line', text: `${BASE}\nRUN make \\\n && cd /x`, lines: [3] },
  { name: 'make -C', text: `${BASE}\nRUN make -C /src`, lines: [] },
  { name: 'cd as an argument', text: `${BASE}\nRUN echo cd`, lines: [] },
]);
