import { ruleCases } from './cases.js';

ruleCases('DL3007', [
  { name: 'latest', text: 'FROM debian:latest', lines: [1] },
  { name: 'latest with registry port', text: 'FROM localhost:5000/x:latest', lines: [1] },
  {
    name: 'latest pinned by digest',
    text: `FROM debian:latest@sha256:${'a'.repeat(64)}`,
    lines: [],
  },
  { name: 'registry port is not a tag', text: 'FROM localhost:5000/x:1', lines: [] },
]);
