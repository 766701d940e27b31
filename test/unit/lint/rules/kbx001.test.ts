import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX001', [
  { name: 'tag only', text: 'FROM debian:12', lines: [1] },
  { name: 'builder stage too', text: `FROM golang:1.22 AS b\n${BASE}`, lines: [1] },
  {
    name: 'ARG default with digest',
    text: `ARG B=debian:12@sha256:${'a'.repeat(64)}\nFROM \${B}`,
    lines: [],
  },
  { name: 'ARG default without digest', text: 'ARG B=debian:12\nFROM ${B}', lines: [2] },
  { name: 'pinned', text: BASE, lines: [] },
]);
