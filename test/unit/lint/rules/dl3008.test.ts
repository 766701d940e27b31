import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3008', [
  {
    name: 'off by default',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
    lines: [],
  },
  {
    name: 'on when enabled',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
    lines: [2],
    config: { enable: ['DL3008'] },
  },
  {
    name: 'pinned',
    text: `${BASE}\nRUN apt-get install -y curl=7.88.1-10`,
    lines: [],
    config: { enable: ['DL3008'] },
  },
  {
    name: 'aptitude unpinned when enabled',
    text: `${BASE}\nRUN aptitude install -y -R curl`,
    lines: [2],
    config: { enable: ['DL3008'] },
  },
  {
    name: 'aptitude pinned',
    text: `${BASE}\nRUN aptitude install -y -R curl=7.88.1-10`,
    lines: [],
    config: { enable: ['DL3008'] },
  },
]);
