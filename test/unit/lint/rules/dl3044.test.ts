import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3044', [
  { name: 'refers to a pair of the same ENV', text: `${BASE}\nENV A=/opt B=$A/bin`, lines: [2] },
  {
    name: 'braced, on a continuation',
    text: `${BASE}\nENV A=/opt \\\n    B=\${A}/bin`,
    lines: [2],
  },
  { name: 'PATH extended', text: `${BASE}\nENV PATH=/x:$PATH`, lines: [] },
  { name: 'set by an earlier ENV', text: `${BASE}\nENV A=/opt\nENV A=/srv B=$A/bin`, lines: [] },
  { name: 'set by an earlier ARG', text: `${BASE}\nARG A=/opt\nENV A=/srv B=$A/bin`, lines: [] },
  { name: 'refers to a later pair only', text: `${BASE}\nENV B=$A/bin A=/opt`, lines: [] },
  { name: 'separate ENVs', text: `${BASE}\nENV A=/opt\nENV B=$A/bin`, lines: [] },
]);
