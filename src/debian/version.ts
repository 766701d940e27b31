/**
 * Debian version ordering, as dpkg compares versions
 * (deb-version(7): [epoch:]upstream[-revision]). Pure. The resolver of the
 * daemonless engine (issue 6) decides `>=`, `<<` and friends with it.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export class VersionError extends Error {}

export function parseVersion(text: string): DebianVersion {
  const v = text.trim();
  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) throw new VersionError(`"${text}": the epoch must be a number`);
    epoch = Number.parseInt(e, 10);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream)) {
    throw new VersionError(
      `"${text}": the upstream version must start with a digit and hold only letters, digits and . + ~ - :`,
    );
  }
  if (dash >= 0 && !/^[A-Za-z0-9.+~]+$/.test(revision)) {
    throw new VersionError(`"${text}": the revision may hold only letters, digits and . + ~`);
  }
  return { epoch, upstream, revision };
}

/** dpkg's character weight: ~ sorts before everything, even the end; letters before other symbols. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function compareString(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && j < b.length && /[0-9]/.test(a[i]!) && /[0-9]/.test(b[j]!)) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive, like dpkg --compare-versions. */
export function compareVersions(a: string | DebianVersion, b: string | DebianVersion): number {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareString(x.upstream, y.upstream) || compareString(x.revision, y.revision);
}

export type Relation = '<<' | '<=' | '=' | '>=' | '>>';

/** Whether `version` satisfies `relation bound`, as in `Depends: libc6 (>= 2.36)`. */
export function satisfies(version: string, relation: Relation, bound: string): boolean {
  const c = compareVersions(version, bound);
  switch (relation) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
