import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX005', [
  {
    name: 'install without clean',
    text: `${BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*`,
    lines: [2],
  },
  {
    name: 'clean',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends x && apt-get clean`,
    lines: [],
  },
  {
    name: 'rm archives',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends x && rm -rf /var/cache/apt/archives`,
    lines: [],
  },
  {
    name: 'cache mount',
    text: `${BASE}\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y --no-install-recommends x`,
    lines: [],
  },
  {
    name: 'tmpfs mount on the archives',
    text: `${BASE}\nRUN --mount=type=tmpfs,target=/var/cache/apt apt-get install -y --no-install-recommends x`,
    lines: [],
  },
  {
    name: 'aptitude install without clean',
    text: `${BASE}\nRUN aptitude install -y -R x`,
    lines: [2],
  },
]);
