import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3025', [
  { name: 'shell form CMD', text: `${BASE}\nCMD bash`, lines: [2] },
  { name: 'shell form ENTRYPOINT', text: `${BASE}\nENTRYPOINT /app --x`, lines: [2] },
  { name: 'exec form', text: `${BASE}\nCMD ["bash"]\nENTRYPOINT ["/app"]`, lines: [] },
]);
