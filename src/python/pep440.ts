/**
 * PEP 440 versions and specifiers, ported from packaging.version and
 * packaging.specifiers so that kubox picks the versions pip would. Pure.
 */

export interface Version {
  epoch: number;
  release: number[];
  pre?: ['a' | 'b' | 'rc', number];
  post?: number;
  dev?: number;
  /** Local label segments, lower-cased, e.g. ["ubuntu", "1"]. */
  local?: string[];
}

export class InvalidVersion extends Error {}

const VERSION_RE = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

const PRE_LETTER: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

export function parseVersion(text: string): Version {
  const m = VERSION_RE.exec(text);
  if (!m?.groups) throw new InvalidVersion(`"${text}" is not a PEP 440 version`);
  const g = m.groups;
  const v: Version = {
    epoch: g.epoch ? Number(g.epoch) : 0,
    release: g.release!.split('.').map(Number),
  };
  if (g.pre_l) v.pre = [PRE_LETTER[g.pre_l.toLowerCase()]!, g.pre_n ? Number(g.pre_n) : 0];
  if (g.post) v.post = Number(g.post_n1 ?? g.post_n2 ?? 0);
  if (g.dev) v.dev = g.dev_n ? Number(g.dev_n) : 0;
  if (g.local) v.local = g.local.toLowerCase().split(/[-_.]/);
  return v;
}

export function tryParseVersion(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}

/** The canonical spelling, as packaging's `str(Version(...))`. */
export function formatVersion(v: Version): string {
  let s = v.epoch ? `${v.epoch}!` : '';
  s += v.release.join('.');
  if (v.pre) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join('.')}`;
  return s;
}

export function isPrerelease(v: Version): boolean {
  return v.pre !== undefined || v.dev !== undefined;
}

function publicOf(v: Version): Version {
  const out = { ...v };
  delete out.local;
  return out;
}

function baseOf(v: Version): Version {
  return { epoch: v.epoch, release: v.release };
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpRelease(a: number[], b: number[]): number {
  // Trailing zeros do not count: 1.0 == 1.0.0.
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a[i] ?? 0, b[i] ?? 0);
    if (c) return c;
  }
  return 0;
}

/** packaging's _cmpkey pre-release slot: a dev-only release sorts before any pre-release of it. */
function preKey(v: Version): [number, number, number] {
  if (!v.pre && v.post === undefined && v.dev !== undefined) return [-1, 0, 0];
  if (!v.pre) return [1, 0, 0];
  return [0, ['a', 'b', 'rc'].indexOf(v.pre[0]), v.pre[1]];
}

function cmpLocal(a: string[] | undefined, b: string[] | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    // Numeric segments sort above alphanumeric ones; numbers numerically, strings lexically.
    if (xn !== yn) return xn ? 1 : -1;
    const c = xn ? cmpNum(Number(x), Number(y)) : x < y ? -1 : x > y ? 1 : 0;
    if (c) return c;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  let c = cmpNum(a.epoch, b.epoch) || cmpRelease(a.release, b.release);
  if (c) return c;
  const pa = preKey(a);
  const pb = preKey(b);
  c = cmpNum(pa[0], pb[0]) || cmpNum(pa[1], pb[1]) || cmpNum(pa[2], pb[2]);
  if (c) return c;
  c = cmpNum(a.post ?? -1, b.post ?? -1);
  if (c) return c;
  c = cmpNum(a.dev ?? Infinity, b.dev ?? Infinity);
  if (c) return c;
  return cmpLocal(a.local, b.local);
}

/** Compares two version strings; both must be valid PEP 440 versions. */
export function compare(a: string, b: string): number {
  return compareVersions(parseVersion(a), parseVersion(b));
}

export type Operator = '===' | '==' | '!=' | '~=' | '<=' | '>=' | '<' | '>';

export interface Specifier {
  op: Operator;
  /** The version text as written (with `.*` for a prefix match). */
  version: string;
}

export class InvalidSpecifier extends Error {}

const SPEC_RE = /^\s*(===|==|!=|~=|<=|>=|<|>)\s*([^\s,;)]+)\s*$/;

export function parseSpecifier(text: string): Specifier {
  const m = SPEC_RE.exec(text);
  if (!m) throw new InvalidSpecifier(`"${text}" is not a version specifier`);
  const op = m[1] as Operator;
  const version = m[2]!;
  if (op !== '===') {
    const wildcard = version.endsWith('.*');
    if (wildcard && op !== '==' && op !== '!=') {
      throw new InvalidSpecifier(`"${text}": only == and != take a .* prefix`);
    }
    const v = tryParseVersion(wildcard ? version.slice(0, -2) : version);
    if (!v) throw new InvalidSpecifier(`"${text}": "${version}" is not a PEP 440 version`);
    if (v.local && op !== '==' && op !== '!=') {
      throw new InvalidSpecifier(`"${text}": a local version label is only allowed with == and !=`);
    }
    if (op === '~=' && v.release.length < 2) {
      throw new InvalidSpecifier(`"${text}": ~= needs at least two release segments`);
    }
  }
  return { op, version };
}

/** A comma-separated specifier set; the empty string admits everything. */
export function parseSpecifierSet(text: string): Specifier[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseSpecifier);
}

export function formatSpecifierSet(specs: readonly Specifier[]): string {
  return specs.map((s) => `${s.op}${s.version}`).join(',');
}

/** packaging's _version_split: epoch first, then release parts, `1rc1` split in two. */
function versionSplit(text: string): string[] {
  const bang = text.lastIndexOf('!');
  const out = [bang >= 0 ? text.slice(0, bang) || '0' : '0'];
  for (const item of text.slice(bang + 1).split('.')) {
    const m = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
    if (m) out.push(m[1]!, m[2]!);
    else out.push(item);
  }
  return out;
}

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

/** `==1.2.*`: the prospective version, zero-padded, starts with the prefix's segments. */
function prefixMatch(prospective: Version, prefixText: string): boolean {
  const spec = versionSplit(formatVersion(parseVersion(prefixText)));
  const pros = versionSplit(formatVersion(publicOf(prospective)));
  const leadSpec = spec.findIndex((s) => !isDigits(s));
  const leadPros = pros.findIndex((s) => !isDigits(s));
  const ns = leadSpec < 0 ? spec.length : leadSpec;
  const np = leadPros < 0 ? pros.length : leadPros;
  const padded = [
    ...pros.slice(0, np),
    ...Array<string>(Math.max(0, ns - np)).fill('0'),
    ...pros.slice(np),
  ];
  return spec.every((s, i) => padded[i] === s);
}

function arbitraryEqual(spec: Specifier, raw: string): boolean {
  return raw.trim().toLowerCase() === spec.version.toLowerCase();
}

function matches(spec: Specifier, v: Version, raw: string): boolean {
  switch (spec.op) {
    case '===':
      return arbitraryEqual(spec, raw);
    case '==':
    case '!=': {
      let eq: boolean;
      if (spec.version.endsWith('.*')) eq = prefixMatch(v, spec.version.slice(0, -2));
      else {
        const sv = parseVersion(spec.version);
        // A spec without a local label matches any local build of that version.
        eq = compareVersions(sv.local ? v : publicOf(v), sv) === 0;
      }
      return spec.op === '==' ? eq : !eq;
    }
    case '~=': {
      // ~=2.2.1 is >=2.2.1, ==2.2.*: drop the last release segment (and any suffix) for the prefix.
      const parts = versionSplit(spec.version);
      const stop = parts.findIndex((s) => /^(dev|a|b|rc|post)/.test(s));
      const kept = (stop < 0 ? parts : parts.slice(0, stop)).slice(0, -1);
      const prefix = `${kept[0]}!${kept.slice(1).join('.')}`;
      return (
        compareVersions(publicOf(v), parseVersion(spec.version)) >= 0 && prefixMatch(v, prefix)
      );
    }
    case '<=':
      return compareVersions(publicOf(v), parseVersion(spec.version)) <= 0;
    case '>=':
      return compareVersions(publicOf(v), parseVersion(spec.version)) >= 0;
    case '<': {
      const sv = parseVersion(spec.version);
      if (compareVersions(v, sv) >= 0) return false;
      // <3.0 must not admit 3.0a1 unless the spec itself is a pre-release.
      return !(
        !isPrerelease(sv) &&
        isPrerelease(v) &&
        compareVersions(baseOf(v), baseOf(sv)) === 0
      );
    }
    case '>': {
      const sv = parseVersion(spec.version);
      if (compareVersions(v, sv) <= 0) return false;
      // >3.0 admits neither 3.0.post1 (unless the spec is a post-release) nor 3.0+local.
      if (
        sv.post === undefined &&
        v.post !== undefined &&
        compareVersions(baseOf(v), baseOf(sv)) === 0
      )
        return false;
      return !(v.local && compareVersions(baseOf(v), baseOf(sv)) === 0);
    }
  }
}

/** Whether a specifier names a pre-release itself (`>=2.0b1`), which opts in to pre-releases. */
function specAsksForPrerelease(spec: Specifier): boolean {
  if (!['==', '>=', '<=', '~=', '==='].includes(spec.op)) return false;
  const text = spec.version.endsWith('.*') ? spec.version.slice(0, -2) : spec.version;
  const v = tryParseVersion(text);
  return v !== undefined && isPrerelease(v);
}

export function allowsPrereleases(specs: readonly Specifier[]): boolean {
  return specs.some(specAsksForPrerelease);
}

/**
 * Whether `version` satisfies every specifier. Pre-releases are refused unless
 * `prereleases` is true or a specifier names one; `filterVersions` adds the
 * "unless nothing else matches" fallback.
 */
export function satisfies(
  version: string,
  specs: readonly Specifier[],
  prereleases?: boolean,
): boolean {
  const v = tryParseVersion(version);
  // Only === (arbitrary equality) can match a string that is not a PEP 440 version.
  if (!v)
    return specs.length > 0 && specs.every((s) => s.op === '===' && arbitraryEqual(s, version));
  if (isPrerelease(v) && !(prereleases ?? allowsPrereleases(specs))) return false;
  return specs.every((s) => matches(s, v, version));
}

/**
 * The versions a specifier set admits, in input order, as SpecifierSet.filter:
 * pre-releases only when asked for, or when they are all that matches.
 */
export function filterVersions(
  versions: readonly string[],
  specs: readonly Specifier[],
  prereleases?: boolean,
): string[] {
  const all = versions.filter((v) => satisfies(v, specs, true));
  if (prereleases ?? allowsPrereleases(specs)) return all;
  const finals = all.filter((v) => {
    const p = tryParseVersion(v);
    return p !== undefined && !isPrerelease(p);
  });
  return finals.length > 0 ? finals : all;
}
