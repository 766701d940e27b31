import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL4003', [
  { name: 'two CMDs', text: `${BASE}\nCMD ["a"]\nCMD ["b"]`, lines: [3] },
  { name: 'one per stage', text: `${BASE} AS a\nCMD ["a"]\n${BASE}\nCMD ["b"]`, lines: [] },
  {
    name: 'ONBUILD CMD does not count',
    text: `${BASE}\nCMD ["a"]\nONBUILD CMD ["b"]`,
    lines: [],
  },
]);
