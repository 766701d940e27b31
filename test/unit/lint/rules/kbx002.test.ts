import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX002', [
  { name: 'no USER', text: `${BASE}\nCMD ["bash"]`, lines: [1] },
  { name: 'USER in the parent stage', text: `${BASE} AS b\nUSER 1000\nFROM b`, lines: [] },
  { name: 'USER only in a builder', text: `${BASE} AS b\nUSER 1000\n${BASE}`, lines: [3] },
  { name: 'ONBUILD USER does not count', text: `${BASE}\nONBUILD USER 1000`, lines: [1] },
  { name: 'suppressed at FROM', text: `# kubox ignore=KBX002\n${BASE}`, lines: [] },
]);
