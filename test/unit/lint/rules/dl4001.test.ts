import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL4001', [
  {
    name: 'curl then wget in later RUNs',
    text: `${BASE}\nRUN curl -fsSLo /a https://x/a\nENV A=1\nRUN wget -q https://x/b`,
    lines: [4],
  },
  {
    name: 'both in one RUN',
    text: `${BASE}\nRUN curl -fsSLo /a https://x/a && wget -q https://x/b`,
    lines: [2, 2],
  },
  {
    name: 'each use after both were seen',
    text: `${BASE}\nRUN wget -q https://x/a\nENV A=1\nRUN curl -fsSLo /b https://x/b\nENV B=1\nRUN wget -q https://x/c`,
    lines: [4, 6],
  },
  {
    name: 'curl only',
    text: `${BASE}\nRUN curl -fsSLo /a https://x/a\nENV A=1\nRUN curl -fsSLo /b https://x/b`,
    lines: [],
  },
  {
    name: 'installing both is no use',
    text: `${BASE}\nRUN apt-get install -y curl wget && curl -fsSLo /a https://x/a`,
    lines: [],
  },
]);
