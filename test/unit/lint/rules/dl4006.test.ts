import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL4006', [
  {
    name: 'pipe without pipefail',
    text: `${BASE}\nRUN curl -fsSL https://x/key | gpg --dearmor -o /k`,
    lines: [2],
  },
  {
    name: 'pipe on a continuation line',
    text: `${BASE}\nRUN true && \\\n  echo a | tee /x`,
    lines: [3],
  },
  {
    name: 'pipe in a heredoc script',
    text: `${BASE}\nRUN <<EOF\necho a | tee /x\nEOF`,
    lines: [3],
  },
  {
    name: 'pipe in command substitution',
    text: `${BASE}\nRUN x="$(echo a | tr a b)"`,
    lines: [2],
  },
  {
    name: 'SHELL with pipefail',
    text: `${BASE}\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo a | tee /x`,
    lines: [],
  },
  {
    name: 'SHELL inherited from the parent stage',
    text: `${BASE} AS b\nSHELL ["/bin/bash", "-euo", "pipefail", "-c"]\nFROM b\nRUN echo a | tee /x`,
    lines: [],
  },
  {
    name: 'set -euo pipefail first',
    text: `${BASE}\nRUN set -euo pipefail; echo a | tee /x`,
    lines: [],
  },
  {
    name: 'set after the pipe',
    text: `${BASE}\nRUN echo a | tee /x; set -o pipefail`,
    lines: [2],
  },
  {
    name: 'pipefail in a heredoc bash script',
    text: `${BASE}\nRUN <<EOF bash\nset -o pipefail\necho a | tee /x\nEOF`,
    lines: [],
  },
  {
    name: 'bash -o pipefail -c',
    text: `${BASE}\nRUN bash -o pipefail -c 'echo a | tee /x'`,
    lines: [],
  },
  {
    name: 'quoted pipe is not a pipe',
    text: `${BASE}\nRUN echo "a | b" && echo 'c|d' && echo e\\|f`,
    lines: [],
  },
  {
    name: 'powershell',
    text: `${BASE}\nSHELL ["pwsh", "-c"]\nRUN Get-Item x | Remove-Item`,
    lines: [],
  },
  {
    name: 'python heredoc',
    text: `${BASE}\nRUN <<EOF\n#!/usr/bin/env python3\nprint("a | b")\nEOF`,
    lines: [],
  },
  { name: 'ONBUILD RUN', text: `${BASE}\nONBUILD RUN echo a | tee /x`, lines: [2] },
]);
