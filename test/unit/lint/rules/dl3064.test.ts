import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3064', [
  { name: 'ARG token without default', text: `${BASE}\nARG GITHUB_TOKEN`, lines: [2] },
  { name: 'ENV password', text: `${BASE}\nENV DB_PASSWORD=hunter2`, lines: [2] },
  { name: 'ENV api key', text: `${BASE}\nENV X=1 SERVICE_API_KEY=abc`, lines: [2] },
  {
    name: 'index URL with credentials',
    text: `${BASE}\nENV PIP_INDEX_URL=https://ci:s3cret@pypi.example.com/simple`,
    lines: [2],
  },
  {
    name: 'extra index URL with credentials in an ARG default',
    text: `ARG PIP_EXTRA_INDEX_URL=https://u:p@pypi.example.com/simple\n${BASE}`,
    lines: [1],
  },
  { name: 'a secret file path', text: `${BASE}\nENV DB_PASSWORD_FILE=/run/secrets/db`, lines: [] },
  { name: 'a user name', text: `${BASE}\nARG USERNAME=kuser\nENV GOINSECURE=x.example`, lines: [] },
  {
    name: 'index URL without password',
    text: `${BASE}\nENV PIP_INDEX_URL=https://pypi.example.com/simple`,
    lines: [],
  },
  {
    name: 'git+ssh user only',
    text: `${BASE}\nARG REPO=git+ssh://git@github.com/x/y.git`,
    lines: [],
  },
  { name: 'ENV token cleared', text: `${BASE}\nENV NPM_TOKEN=""`, lines: [] },
  { name: 'AWS key id (an identifier)', text: `${BASE}\nARG AWS_ACCESS_KEY_ID`, lines: [] },
]);
