import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3002', [
  { name: 'last USER root', text: `${BASE}\nUSER 1000\nUSER root`, lines: [3] },
  { name: 'root uid with group', text: `${BASE}\nUSER 0:0`, lines: [2] },
  { name: 'root through ARG', text: `${BASE}\nARG U=root\nUSER $U`, lines: [3] },
  { name: 'root then back', text: `${BASE}\nUSER root\nRUN id\nUSER 1000`, lines: [] },
  {
    name: 'root only in a builder stage',
    text: `${BASE} AS b\nUSER root\n${BASE}\nUSER 1000`,
    lines: [],
  },
  {
    name: 'ignore pragma followed by a comment',
    text: `${BASE}\n# hadolint ignore=DL3002 # this debug image needs root\nUSER root`,
    lines: [],
  },
  {
    name: 'pragma with a comment for another code',
    text: `${BASE}\n# hadolint ignore=DL3003 # not this one\nUSER root`,
    lines: [3],
  },
]);
