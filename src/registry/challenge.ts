/**
 * Parsing `WWW-Authenticate` challenges (RFC 7235) and the Docker token scope
 * syntax. Pure.
 */

export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/** Splits a header into challenges: `Bearer realm="x",service="y", Basic realm="z"`. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const n = header.length;
  let i = 0;
  const isTokenChar = (c: string | undefined) => c !== undefined && /[\w!#$%&'*+.^`|~/-]/.test(c);
  const skip = (chars: RegExp) => {
    while (i < n && chars.test(header[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (isTokenChar(header[i])) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      const mark = i;
      skip(/[\s,]/);
      const key = token();
      skip(/ /);
      // A token not followed by "=" starts the next challenge.
      if (!key || header[i] !== '=') {
        i = mark;
        break;
      }
      i++;
      skip(/ /);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\') i++;
          value += header[i] ?? '';
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== ',' && !/\s/.test(header[i]!)) i++;
        value = header.slice(start, i);
      }
      challenge.params[key.toLowerCase()] = value;
    }
  }
  return out;
}

/** `repository:name:pull,push` for a repository and its actions. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${[...actions].sort().join(',')}`;
}

/**
 * Merges scopes: the same resource's actions are united, so one token can
 * cover pushing to a repository and mounting from another.
 */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes.flatMap((x) => x.split(' ')).filter(Boolean)) {
    const i = s.lastIndexOf(':');
    const resource = s.slice(0, i);
    const actions = s
      .slice(i + 1)
      .split(',')
      .filter(Boolean);
    const set = byResource.get(resource) ?? new Set<string>();
    actions.forEach((a) => set.add(a));
    byResource.set(resource, set);
  }
  return [...byResource].map(([r, a]) => `${r}:${[...a].sort().join(',')}`).sort();
}
