import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3009', [
  { name: 'lists kept', text: `${BASE}\nRUN apt-get update && apt-get install -y x`, lines: [2] },
  {
    name: 'removed before the second update',
    text: `${BASE}\nRUN apt-get update && rm -rf /var/lib/apt/lists/* && apt-get update`,
    lines: [2],
  },
  {
    name: 'removed',
    text: `${BASE}\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*`,
    lines: [],
  },
  {
    name: 'cache mount',
    text: `${BASE}\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update`,
    lines: [],
  },
  { name: 'builder stage only', text: `${BASE} AS b\nRUN apt-get update\n${BASE}`, lines: [] },
  {
    name: 'inherited stage counts',
    text: `${BASE} AS b\nRUN apt-get update\nFROM b`,
    lines: [2],
  },
  {
    name: 'tmpfs mount on the lists',
    text: `${BASE}\nRUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update && apt-get install -y x`,
    lines: [],
  },
  {
    name: 'bind mount does not count',
    text: `${BASE}\nRUN --mount=type=bind,target=/var/lib/apt/lists apt-get update`,
    lines: [2],
  },
  {
    name: 'ONBUILD trigger',
    text: `${BASE}\nONBUILD RUN apt-get update && apt-get install -y x`,
    lines: [2],
  },
  {
    name: 'ONBUILD trigger that removes the lists',
    text: `${BASE}\nONBUILD RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*`,
    lines: [],
  },
  {
    name: 'aptitude update',
    text: `${BASE}\nRUN aptitude update && aptitude install -y x`,
    lines: [2],
  },
]);
