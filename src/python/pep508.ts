/**
 * PEP 508 requirement strings and environment markers, evaluated for the
 * target Python rather than the one running kubox. Pure.
 */
import { KuboxError } from '../errors.js';
import { normalizeName } from './name.js';
import {
  InvalidSpecifier,
  parseSpecifier,
  parseSpecifierSet,
  satisfies,
  type Specifier,
} from './pep440.js';
import type { PythonTarget } from './target.js';

export type Marker =
  | { kind: 'and'; left: Marker; right: Marker }
  | { kind: 'or'; left: Marker; right: Marker }
  | { kind: 'compare'; left: MarkerValue; op: string; right: MarkerValue };
export type MarkerValue = { variable: string } | { literal: string };

export interface Requirement {
  /** Normalised (PEP 503) name. */
  name: string;
  /** Normalised extra names. */
  extras: string[];
  specifier: Specifier[];
  /** A direct reference (`name @ https://...`); the native engine installs from an index only. */
  url?: string;
  marker?: Marker;
  /** The text this was parsed from, for messages. */
  text: string;
}

export type MarkerEnvironment = Record<string, string>;

const VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
]);
// Pre-PEP 508 spellings that packaging still accepts.
const ALIASES: Record<string, string> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

/** The marker environment of a target CPython on Linux; patch level unknown, so X.Y.0. */
export function markerEnvironment(t: PythonTarget, fullVersion?: string): MarkerEnvironment {
  const full = fullVersion ?? `${t.version[0]}.${t.version[1]}.0`;
  return {
    python_version: `${t.version[0]}.${t.version[1]}`,
    python_full_version: full,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: t.arch,
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: full,
    platform_release: '',
    platform_version: '',
  };
}

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  fail(message: string): never {
    throw new KuboxError(
      'spec',
      `${this.what} "${this.text}": ${message} at character ${this.pos + 1}`,
      {
        hint: 'write requirements the way pip accepts them (PEP 508), e.g. "requests[socks]>=2.31; python_version >= \'3.8\'"',
      },
    );
  }

  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(re: RegExp): RegExpExecArray | null {
    this.ws();
    const m = re.exec(this.text.slice(this.pos));
    return m && m.index === 0 ? m : null;
  }

  take(re: RegExp): string | undefined {
    const m = this.peek(re);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  done(): boolean {
    this.ws();
    return this.pos >= this.text.length;
  }

  markerOr(): Marker {
    let left = this.markerAnd();
    while (this.take(/^or\b/)) left = { kind: 'or', left, right: this.markerAnd() };
    return left;
  }

  markerAnd(): Marker {
    let left = this.markerAtom();
    while (this.take(/^and\b/)) left = { kind: 'and', left, right: this.markerAtom() };
    return left;
  }

  markerAtom(): Marker {
    if (this.take(/^\(/)) {
      const inner = this.markerOr();
      if (!this.take(/^\)/)) this.fail('expected ")"');
      return inner;
    }
    const left = this.markerValue();
    const op = this.take(/^(===|==|!=|~=|<=|>=|<|>|not\s+in\b|in\b)/);
    if (op === undefined) this.fail('expected a marker operator (==, !=, <, in, ...)');
    const right = this.markerValue();
    return { kind: 'compare', left, op: op.replace(/\s+/, ' '), right };
  }

  markerValue(): MarkerValue {
    const quoted = this.take(/^('[^']*'|"[^"]*")/);
    if (quoted !== undefined) return { literal: quoted.slice(1, -1) };
    const name = this.take(/^[A-Za-z_][A-Za-z0-9_.]*/);
    if (name === undefined) this.fail('expected a marker variable or a quoted string');
    const variable = ALIASES[name] ?? name;
    if (!VARIABLES.has(variable)) this.fail(`unknown marker variable "${name}"`);
    return { variable };
  }
}

export function parseMarker(text: string): Marker {
  const p: Parser = new Parser(text, 'marker');
  const m = p.markerOr();
  if (!p.done()) p.fail('unexpected text');
  return m;
}

export function parseRequirement(text: string): Requirement {
  const p: Parser = new Parser(text, 'requirement');
  const rawName = p.take(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
  if (rawName === undefined) p.fail('expected a project name');
  const extras: string[] = [];
  if (p.take(/^\[/)) {
    if (!p.take(/^\]/)) {
      do {
        const e = p.take(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/);
        if (e === undefined) p.fail('expected an extra name');
        extras.push(normalizeName(e));
      } while (p.take(/^,/));
      if (!p.take(/^\]/)) p.fail('expected "]"');
    }
  }
  let specifier: Specifier[] = [];
  let url: string | undefined;
  if (p.take(/^@/)) {
    url = p.take(/^\S+/);
    if (url === undefined) p.fail('expected a URL after "@"');
  } else {
    const paren = p.take(/^\(/) !== undefined;
    const specText = p.take(/^[^;)]*/) ?? '';
    if (paren && !p.take(/^\)/)) p.fail('expected ")"');
    try {
      specifier = parseSpecifierSet(specText);
    } catch (err) {
      if (err instanceof InvalidSpecifier) p.fail(err.message);
      throw err;
    }
  }
  let marker: Marker | undefined;
  if (p.take(/^;/)) {
    marker = p.markerOr();
  }
  if (!p.done()) p.fail('unexpected text');
  return {
    name: normalizeName(rawName),
    extras,
    specifier,
    ...(url !== undefined ? { url } : {}),
    ...(marker !== undefined ? { marker } : {}),
    text: text.trim(),
  };
}

function resolveValue(v: MarkerValue, env: MarkerEnvironment): string {
  if ('literal' in v) return v.literal;
  const value = env[v.variable];
  if (value === undefined)
    throw new KuboxError('spec', `marker variable "${v.variable}" has no value for the target`);
  return value;
}

/** packaging's _eval_op: a version comparison when the right side reads as a specifier, else strings. */
function compareOp(lhs: string, op: string, rhs: string): boolean {
  if (op === 'in') return rhs.includes(lhs);
  if (op === 'not in') return !rhs.includes(lhs);
  let spec: Specifier | undefined;
  try {
    spec = parseSpecifier(`${op}${rhs}`);
  } catch {
    spec = undefined;
  }
  // As packaging: a value that is not a version (platform_release "6.1.0-13-amd64") fails a version comparison.
  if (spec) return satisfies(lhs, [spec], true);
  switch (op) {
    case '==':
    case '===':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    default:
      throw new KuboxError('spec', `marker operator "${op}" cannot compare "${lhs}" with "${rhs}"`);
  }
}

function evaluate(m: Marker, env: MarkerEnvironment): boolean {
  if (m.kind === 'and') return evaluate(m.left, env) && evaluate(m.right, env);
  if (m.kind === 'or') return evaluate(m.left, env) || evaluate(m.right, env);
  let lhs = resolveValue(m.left, env);
  let rhs = resolveValue(m.right, env);
  // Extra names compare normalised on both sides, as packaging does since 22.0.
  if (
    ('variable' in m.left && m.left.variable === 'extra') ||
    ('variable' in m.right && m.right.variable === 'extra')
  ) {
    lhs = normalizeName(lhs);
    rhs = normalizeName(rhs);
  }
  return compareOp(lhs, m.op, rhs);
}

/**
 * Evaluates a marker for the target. `extras` are the extras requested of the
 * distribution whose Requires-Dist this is: the marker holds if it holds for
 * any of them, or for `extra == ""` when none was requested.
 */
export function evaluateMarker(
  marker: Marker | string | undefined,
  env: MarkerEnvironment,
  extras: readonly string[] = [],
): boolean {
  if (marker === undefined) return true;
  const m = typeof marker === 'string' ? parseMarker(marker) : marker;
  const candidates = extras.length > 0 ? extras : [''];
  return candidates.some((extra) => evaluate(m, { ...env, extra }));
}
