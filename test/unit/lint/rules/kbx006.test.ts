import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('KBX006', [
  {
    name: 'curl -o without check',
    text: `${BASE}\nRUN curl -fsSL https://x/mc -o /usr/local/bin/mc && chmod +x /usr/local/bin/mc`,
    lines: [2],
  },
  {
    name: 'curl -fsSLO (flag cluster)',
    text: `${BASE}\nRUN curl -fsSLO https://x/tool.tgz && tar xzf tool.tgz`,
    lines: [2],
  },
  { name: 'wget default name', text: `${BASE}\nRUN wget -q https://x/tool.tgz`, lines: [2] },
  { name: 'curl > file', text: `${BASE}\nRUN curl -fsSL https://x/t > /t`, lines: [2] },
  {
    name: 'URL from a shell variable',
    text: `${BASE}\nRUN U="https://x/t" && curl -fsSL "$U" -o /t`,
    lines: [2],
  },
  { name: 'piped into sh', text: `${BASE}\nRUN wget -qO- https://x/install.sh | sh`, lines: [2] },
  {
    name: 'verified with sha256sum -c -',
    text: `${BASE}\nRUN curl -fsSL https://x/mc -o /usr/local/bin/mc && echo "abc  /usr/local/bin/mc" | sha256sum -c -`,
    lines: [],
  },
  {
    name: 'verified with a sums file',
    text: `${BASE}\nRUN curl -fsSLO https://x/t.tgz && curl -fsSLO https://x/SHA256SUMS && sha256sum -c --ignore-missing SHA256SUMS`,
    lines: [],
  },
  {
    name: 'verified with gpg',
    text: `${BASE}\nRUN wget -O /g https://x/g && wget -O /g.asc https://x/g.asc && gpg --batch --verify /g.asc /g`,
    lines: [],
  },
  {
    name: 'verified by comparison',
    text: `${BASE}\nRUN curl -o /t https://x/t && [ "$(sha256sum /t | cut -d' ' -f1)" = "abc" ]`,
    lines: [],
  },
  {
    name: 'check before download does not count',
    text: `${BASE}\nRUN echo "abc  /t" | sha256sum -c - ; curl -o /t https://x/t`,
    lines: [2],
  },
  {
    name: 'key into gpg',
    text: `${BASE}\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://x/key | gpg --dearmor -o /k.gpg`,
    lines: [],
  },
  {
    name: 'captured in $(...)',
    text: `${BASE}\nRUN v="$(curl -fsSL https://x/version)"`,
    lines: [],
  },
]);
