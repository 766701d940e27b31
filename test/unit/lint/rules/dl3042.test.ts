import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3042', [
  { name: 'pip without --no-cache-dir', text: `${BASE}\nRUN pip install requests`, lines: [2] },
  { name: 'python -m pip', text: `${BASE}\nRUN python3 -m pip install requests`, lines: [2] },
  { name: 'flag', text: `${BASE}\nRUN pip3 install requests --no-cache-dir`, lines: [] },
  { name: 'ENV', text: `${BASE}\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests`, lines: [] },
  { name: 'inline', text: `${BASE}\nRUN PIP_NO_CACHE_DIR=1 pip install requests`, lines: [] },
  {
    name: 'export',
    text: `${BASE}\nRUN export PIP_NO_CACHE_DIR=1 && pip install requests`,
    lines: [],
  },
  {
    name: 'cache mount',
    text: `${BASE}\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests`,
    lines: [],
  },
  { name: 'pip other subcommand', text: `${BASE}\nRUN pip list`, lines: [] },
  {
    name: 'tmpfs mount on the pip cache',
    text: `${BASE}\nRUN --mount=type=tmpfs,target=/root/.cache/pip pip install requests`,
    lines: [],
  },
  {
    name: 'tmpfs mount elsewhere',
    text: `${BASE}\nRUN --mount=type=tmpfs,target=/tmp pip install requests`,
    lines: [2],
  },
  {
    name: 'PIP_NO_CACHE_DIR=false (pip still disables the cache)',
    text: `${BASE}\nENV PIP_NO_CACHE_DIR=false\nRUN pip install requests`,
    lines: [],
  },
  { name: 'pipx is not pip', text: `${BASE}\nRUN pipx install httpie`, lines: [] },
]);
