import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL4005', [
  { name: 'ln -sf /bin/bash /bin/sh', text: `${BASE}\nRUN ln -sf /bin/bash /bin/sh`, lines: [2] },
  {
    name: 'in a chain, /usr/bin/sh',
    text: `${BASE}\nRUN true && ln -s -f bash /usr/bin/sh`,
    lines: [2],
  },
  {
    name: 'ln of another file',
    text: `${BASE}\nRUN ln -sf /usr/bin/python3 /usr/local/bin/python`,
    lines: [],
  },
  {
    name: '/bin/sh as the source',
    text: `${BASE}\nRUN ln -s /bin/sh /usr/local/bin/mysh`,
    lines: [],
  },
  { name: 'SHELL instead', text: `${BASE}\nSHELL ["/bin/bash", "-c"]\nRUN echo hi`, lines: [] },
]);
