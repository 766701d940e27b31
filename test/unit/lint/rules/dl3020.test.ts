import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3020', [
  { name: 'plain file', text: `${BASE}\nADD app.conf /etc/`, lines: [2] },
  { name: 'archive', text: `${BASE}\nADD rootfs.tar.gz /`, lines: [] },
  {
    name: 'URL',
    text: `${BASE}\nADD --checksum=sha256:${'a'.repeat(64)} https://x.example/a /a`,
    lines: [],
  },
  { name: 'COPY', text: `${BASE}\nCOPY app.conf /etc/`, lines: [] },
  // Quotes are BuildKit's, not part of the path.
  { name: 'quoted plain file', text: `${BASE}\nADD "app.conf" /etc/`, lines: [2] },
  { name: 'quoted archive', text: `${BASE}\nADD "rootfs.tar.gz" /`, lines: [] },
  {
    name: 'quoted URL',
    text: `${BASE}\nADD --checksum=sha256:${'a'.repeat(64)} "http://x.example/a" /a`,
    lines: [],
  },
]);
