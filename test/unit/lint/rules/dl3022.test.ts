import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3022', [
  {
    name: 'unknown stage name',
    text: `${BASE} AS build\n${BASE}\nCOPY --from=biuld /a /a`,
    lines: [3],
  },
  {
    name: 'stage defined later',
    text: `${BASE}\nCOPY --from=later /a /a\n${BASE} AS later`,
    lines: [2],
  },
  { name: 'index not yet built', text: `${BASE}\nCOPY --from=1 /a /a\n${BASE}`, lines: [2] },
  {
    name: 'earlier stage by name',
    text: `${BASE} AS build\n${BASE}\nCOPY --from=build /a /a`,
    lines: [],
  },
  {
    name: 'earlier stage, other case',
    text: `${BASE} AS Build\n${BASE}\nCOPY --from=build /a /a`,
    lines: [],
  },
  { name: 'earlier stage by index', text: `${BASE}\n${BASE}\nCOPY --from=0 /a /a`, lines: [] },
  {
    name: 'an image with a tag',
    text: `${BASE}\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx`,
    lines: [],
  },
  { name: 'an image by registry path', text: `${BASE}\nCOPY --from=ghcr.io/x/y /a /a`, lines: [] },
  {
    name: 'own stage is DL3023, not this',
    text: `${BASE} AS self\nCOPY --from=self /a /a`,
    lines: [],
  },
]);
