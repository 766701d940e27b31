import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX007', [
  { name: 'ADD URL', text: `${BASE}\nADD https://x/a.tgz /a.tgz`, lines: [2] },
  {
    name: 'with checksum',
    text: `${BASE}\nADD --checksum=sha256:${'a'.repeat(64)} https://x/a.tgz /a.tgz`,
    lines: [],
  },
  { name: 'quoted ADD URL', text: `${BASE}\nADD "https://x/a.tgz" /a.tgz`, lines: [2] },
  { name: 'quoted local file', text: `${BASE}\nADD "a.tgz" /a/`, lines: [] },
  {
    name: 'git repository over https',
    text: `${BASE}\nADD https://github.com/moby/buildkit.git#v0.16.0 /src`,
    lines: [],
  },
]);
