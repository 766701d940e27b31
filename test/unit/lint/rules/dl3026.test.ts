import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3026', [
  { name: 'off without a list', text: 'FROM quay.io/x/y:1', lines: [] },
  {
    name: 'untrusted',
    text: 'FROM quay.io/x/y:1',
    lines: [1],
    config: { trustedRegistries: ['docker.io'] },
  },
  {
    name: 'trusted by wildcard',
    text: 'FROM eu.gcr.io/x/y:1\nFROM debian:12',
    lines: [],
    config: { trustedRegistries: ['*.gcr.io', 'docker.io'] },
  },
  {
    name: 'COPY --from an untrusted image',
    text: `${BASE}\nCOPY --from=quay.io/x/y:1 /bin/y /bin/y`,
    lines: [2],
    config: { trustedRegistries: ['docker.io'] },
  },
  {
    name: 'RUN --mount from an untrusted image',
    text: `${BASE}\nRUN --mount=type=bind,from=ghcr.io/x/tools:1,target=/t /t/run`,
    lines: [2],
    config: { trustedRegistries: ['docker.io'] },
  },
  {
    name: 'COPY --from a stage, by name or index; from a trusted image',
    text: `${BASE} AS build\nRUN make\n${BASE}\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --from=debian:12 /c /c\nRUN --mount=from=build,target=/s cp /s/x /x`,
    lines: [],
    config: { trustedRegistries: ['docker.io'] },
  },
]);
