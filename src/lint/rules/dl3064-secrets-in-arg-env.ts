import { Arg, Env } from 'dockerfile-ast';
import type { Hit, Rule } from '../types.js';
import { headSpan } from './helpers.js';

/** Name parts that say "secret"; `_FILE`/`_PATH` names point at one instead of holding it. */
const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN', 'APIKEY', 'CREDENTIALS']);
const SECRET_PAIRS = /(^|_)(API|PRIVATE|ACCESS|SECRET|AUTH|SIGNING|ENCRYPTION)_?KEY($|_)/;
const POINTER = /_(FILE|PATH|DIR|URL_FILE|ID|NAME|USER|USERNAME)$/;

export function secretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (POINTER.test(upper)) return false;
  return upper.split(/[_-]/).some((w) => SECRET_WORDS.has(w)) || SECRET_PAIRS.test(upper);
}

/** `scheme://user:password@host`: a URL that carries a password. */
export function urlWithPassword(value: string): boolean {
  return /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value);
}

export const dl3064: Rule = {
  code: 'DL3064',
  name: 'secrets-in-arg-env',
  severity: 'warning',
  enabledByDefault: true,
  summary: 'Do not pass secrets through ARG or ENV.',
  hint: 'use a build secret: RUN --mount=type=secret,id=token TOKEN=$(cat /run/secrets/token) ...',
  docs: `ENV values are written into the image config, readable by anyone who can
pull the image; build-arg values used by a RUN are recorded in the image
history and in BuildKit's provenance. A secret belongs in
\`RUN --mount=type=secret\`, which is never stored. Reported: an ARG or ENV whose
name says it holds a secret (PASSWORD, PASSWD, SECRET, TOKEN, APIKEY,
CREDENTIALS, API_KEY, PRIVATE_KEY, ACCESS_KEY... as a \`_\`-separated part),
unless the name ends in _FILE, _PATH, _ID, _NAME or _USER (it points at a
secret, or names it); and any ARG or ENV value that is a URL with a password
(\`PIP_INDEX_URL=https://user:pass@host/simple\`), whatever its name. An ENV
with an empty value is not reported (it clears the variable).

Differences from hadolint: hadolint's DL3064 matches names by substring, so
\`ARG USERNAME=kuser\` or \`ENV GOINSECURE=...\` fire there; kubox matches whole
name parts and does not treat a user name as a secret, and it also looks at
values, where an index URL with credentials is the usual leak in Python images.`,
  check(doc) {
    const hits: Hit[] = [];
    for (const i of doc.instructions) {
      const props =
        i.node instanceof Env
          ? i.node.getProperties()
          : i.node instanceof Arg && i.node.getProperty()
            ? [i.node.getProperty()!]
            : [];
      for (const p of props) {
        const name = p.getName();
        const value = p.getValue();
        const cleared = i.node instanceof Env && (value ?? '') === '';
        if (secretName(name) && !cleared)
          hits.push({
            span: headSpan(doc, i),
            message: `${i.keyword} ${name} looks like a secret: it is stored with the image`,
          });
        else if (value && urlWithPassword(value))
          hits.push({
            span: headSpan(doc, i),
            message: `${i.keyword} ${name} holds a URL with a password: it is stored with the image`,
          });
      }
    }
    return hits;
  },
};
