import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3000', [
  { name: 'relative', text: `${BASE}\nWORKDIR app`, lines: [2] },
  { name: 'relative after ENV expansion', text: `${BASE}\nENV D=app\nWORKDIR $D/x`, lines: [3] },
  { name: 'absolute', text: `${BASE}\nWORKDIR /app`, lines: [] },
  { name: 'absolute through ARG', text: `${BASE}\nARG D=/srv\nWORKDIR \${D}/app`, lines: [] },
  { name: 'unknown variable', text: `${BASE}\nARG D\nWORKDIR $D/app`, lines: [] },
  {
    name: 'windows path with escape directive',
    text: `# escape=\`\n${BASE}\nWORKDIR C:\\app`,
    lines: [],
  },
  {
    name: 'single-quoted C:\\ (escape is literal in single quotes)',
    text: `${BASE}\nWORKDIR 'C:\\'`,
    lines: [],
  },
  {
    name: 'double-quoted absolute path with a blank',
    text: `${BASE}\nWORKDIR "/my dir"`,
    lines: [],
  },
  { name: 'double-quoted relative path', text: `${BASE}\nWORKDIR "app"`, lines: [2] },
  { name: 'single-quoted relative path', text: `${BASE}\nWORKDIR 'app dir'`, lines: [2] },
]);
