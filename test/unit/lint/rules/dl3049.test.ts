import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3049', [
  { name: 'off by default', text: BASE, lines: [] },
  {
    name: 'missing',
    text: `${BASE}\nLABEL a=b`,
    lines: [1],
    config: { requiredLabels: ['org.opencontainers.image.source'] },
  },
  {
    name: 'present in a parent stage',
    text: `${BASE} AS b\nLABEL "org.opencontainers.image.source"="x"\nFROM b`,
    lines: [],
    config: { requiredLabels: ['org.opencontainers.image.source'] },
  },
]);
