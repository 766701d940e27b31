/**
 * The file-system effects of maintainer-script commands kubox emulates, read
 * from a command's words: `mkdir`, `install -d`, `chown`, `chgrp`, `chmod`,
 * `ln -s`, `touch`, `dpkg-statoverride --add`, `dpkg-divert --add`, and
 * `adduser`/`addgroup --system`. A call this reader does not fully
 * understand (an unknown option, a word only known at run time, `chown -R`)
 * is a string saying why, so the caller warns instead of guessing. Paths are
 * absolute, as the script wrote them. Pure.
 */

export interface SystemAccount {
  name: string;
  home?: string;
  /** --group: a group of the same name is created too. */
  group: boolean;
  /** --ingroup <group>. */
  ingroup?: string;
  shell?: string;
  /** `addgroup --system NAME`: only the group. */
  groupOnly?: true;
}

export type ScriptOp =
  /** `mkdir [-p] [-m MODE]` and `install -d [-m MODE] [-o USER] [-g GROUP]`. */
  | {
      op: 'mkdir';
      path: string;
      mode?: string;
      owner?: string;
      group?: string;
      /** install -d sets mode and owner on a directory that exists too; mkdir -p leaves it. */
      reapply: boolean;
    }
  | { op: 'chown'; path: string; owner?: string; group?: string }
  | { op: 'chmod'; path: string; mode: string }
  | { op: 'symlink'; target: string; path: string; force: boolean }
  | { op: 'touch'; path: string }
  | {
      op: 'statoverride';
      owner: string;
      group: string;
      mode: number;
      path: string;
      update: boolean;
    }
  | { op: 'divert'; path: string; divertTo: string; package: string; rename: boolean }
  | { op: 'account'; account: SystemAccount };

/** The commands this module reads (a `dpkg-divert --list` is not among the effects). */
export const EFFECT_COMMANDS = new Set([
  'mkdir',
  'install',
  'chown',
  'chgrp',
  'chmod',
  'ln',
  'touch',
  'dpkg-statoverride',
  'dpkg-divert',
  'adduser',
  'addgroup',
]);

/** The ops of one command, or why they cannot be known. `pkg` is the script's package. */
export function scriptOps(
  cmd: string,
  args: (string | undefined)[],
  pkg: string,
): ScriptOp[] | string {
  if (args.some((a) => a === undefined)) return 'a word is only known at run time';
  const a = args as string[];
  switch (cmd) {
    case 'mkdir':
      return mkdir(a);
    case 'install':
      return installDir(a);
    case 'chown':
    case 'chgrp':
      return chown(cmd, a);
    case 'chmod':
      return chmod(a);
    case 'ln':
      return ln(a);
    case 'touch':
      return touch(a);
    case 'dpkg-statoverride':
      return statoverride(a);
    case 'dpkg-divert':
      return divert(a, pkg);
    case 'adduser':
    case 'addgroup':
      return account(cmd, a);
    default:
      return `${cmd} is not emulated`;
  }
}

const absolute = (paths: string[]): string | undefined =>
  paths.length === 0
    ? 'no path given'
    : paths.find((p) => !p.startsWith('/'))
      ? 'a relative path (the working directory is not known)'
      : undefined;

/** Splits `-pm 755`, `--mode=755`, `-m755` into a flag stream; values follow their option. */
function options(
  args: string[],
  withValue: { short: string; long: string[] },
  flags: { short: string; long: string[] },
): { opts: Map<string, string | true>; rest: string[] } | string {
  const opts = new Map<string, string | true>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (w.startsWith('--')) {
      const [name, value] = w.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (withValue.long.includes(name)) {
        const v = value ?? args[++i];
        if (v === undefined) return `--${name} without a value`;
        opts.set(name, v);
      } else if (flags.long.includes(name) && value === undefined) opts.set(name, true);
      else return `option --${name} is not emulated`;
    } else if (w.startsWith('-') && w.length > 1) {
      for (let k = 1; k < w.length; k++) {
        const c = w[k]!;
        if (withValue.short.includes(c)) {
          const v = k + 1 < w.length ? w.slice(k + 1) : args[++i];
          if (v === undefined) return `-${c} without a value`;
          opts.set(c, v);
          break;
        }
        if (!flags.short.includes(c)) return `option -${c} is not emulated`;
        opts.set(c, true);
      }
    } else rest.push(w);
  }
  return { opts, rest };
}

function mkdir(args: string[]): ScriptOp[] | string {
  const o = options(
    args,
    { short: 'm', long: ['mode'] },
    { short: 'pv', long: ['parents', 'verbose'] },
  );
  if (typeof o === 'string') return o;
  const bad = absolute(o.rest);
  if (bad) return bad;
  const mode = (o.opts.get('m') ?? o.opts.get('mode')) as string | undefined;
  return o.rest.map((path) => ({ op: 'mkdir', path, reapply: false, ...(mode ? { mode } : {}) }));
}

function installDir(args: string[]): ScriptOp[] | string {
  const o = options(
    args,
    { short: 'mog', long: ['mode', 'owner', 'group'] },
    { short: 'dv', long: ['directory', 'verbose'] },
  );
  if (typeof o === 'string') return o;
  if (!o.opts.has('d') && !o.opts.has('directory')) return 'install without -d copies files';
  const bad = absolute(o.rest);
  if (bad) return bad;
  const get = (s: string, l: string) => (o.opts.get(s) ?? o.opts.get(l)) as string | undefined;
  const mode = get('m', 'mode');
  const owner = get('o', 'owner');
  const group = get('g', 'group');
  return o.rest.map((path) => ({
    op: 'mkdir',
    path,
    reapply: true,
    ...(mode ? { mode } : {}),
    ...(owner ? { owner } : {}),
    ...(group ? { group } : {}),
  }));
}

function chown(cmd: 'chown' | 'chgrp', args: string[]): ScriptOp[] | string {
  const o = options(
    args,
    { short: '', long: [] },
    { short: 'fvc', long: ['silent', 'quiet', 'verbose'] },
  );
  if (typeof o === 'string') return o;
  const [spec, ...paths] = o.rest;
  if (spec === undefined) return 'no owner given';
  const bad = absolute(paths);
  if (bad) return bad;
  let owner: string | undefined;
  let group: string | undefined;
  if (cmd === 'chgrp') group = spec;
  else {
    const m = /^([^:.]*)(?:[:.](.*))?$/.exec(spec)!;
    owner = m[1] || undefined;
    group = m[2] || undefined;
    // `chown user:` is user and user's login group: rare in scripts, not emulated.
    if (m[2] === '' && spec.endsWith(':'))
      return `owner "${spec}" (the login group) is not emulated`;
  }
  if (owner === undefined && group === undefined) return `owner "${spec}" names nobody`;
  return paths.map((path) => ({
    op: 'chown',
    path,
    ...(owner !== undefined ? { owner } : {}),
    ...(group !== undefined ? { group } : {}),
  }));
}

const SYMBOLIC = /^[ugoa]*[-+=][rwxXst]*$/;

function chmod(args: string[]): ScriptOp[] | string {
  // A symbolic mode can start with "-" (`chmod -x f`): read it before options.
  const at = args.findIndex((a) => !/^-[fvc]+$/.test(a) && !/^--(silent|quiet|verbose)$/.test(a));
  if (at < 0) return 'no mode given';
  const mode = args[at]!;
  if (mode.startsWith('-') && !mode.split(',').every((m) => SYMBOLIC.test(m)))
    return `option ${mode} is not emulated`;
  if (!parseMode(mode)) return `mode "${mode}" is not emulated`;
  const paths = args.slice(at + 1);
  const bad = absolute(paths);
  if (bad) return bad;
  return paths.map((path) => ({ op: 'chmod', path, mode }));
}

/** Whether `mode` is octal or a comma-separated list of simple symbolic clauses. */
export function parseMode(mode: string): boolean {
  return /^[0-7]{1,4}$/.test(mode) || mode.split(',').every((m) => SYMBOLIC.test(m));
}

/** The umask maintainer scripts run with (dpkg's 022). */
const UMASK = 0o022;

/**
 * The permission bits after `chmod MODE` on bits `current`. Octal replaces
 * them (a directory keeps its set-id bits when fewer than 5 digits are
 * given, as GNU chmod does: clearing them takes `00755`); symbolic clauses
 * apply in order. A clause without who (`+x`) is "a" less the umask, so
 * `+w` gives only the owner write, as GNU chmod under dpkg does.
 */
export function applyMode(current: number, mode: string, directory: boolean): number {
  if (/^[0-7]+$/.test(mode)) {
    const value = Number.parseInt(mode, 8);
    return directory && mode.length < 5 ? value | (current & 0o6000) : value;
  }
  let bits = current;
  for (const clause of mode.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause)!;
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    let mask = 0;
    for (const w of who) {
      const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
      for (const p of m[3]!) {
        if (p === 'r') mask |= 4 << shift;
        else if (p === 'w') mask |= 2 << shift;
        else if (p === 'x' || (p === 'X' && (directory || current & 0o111))) mask |= 1 << shift;
        else if (p === 's' && w !== 'o') mask |= w === 'u' ? 0o4000 : 0o2000;
        else if (p === 't' && w === 'o') mask |= 0o1000;
      }
    }
    if (m[1] === '') mask &= ~UMASK;
    if (m[2] === '+') bits |= mask;
    else if (m[2] === '-') bits &= ~mask;
    else {
      let clear = 0;
      for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
      bits = (bits & ~clear) | mask;
    }
  }
  return bits & 0o7777;
}

function ln(args: string[]): ScriptOp[] | string {
  const o = options(
    args,
    { short: '', long: [] },
    { short: 'sfnTv', long: ['symbolic', 'force', 'no-dereference', 'verbose'] },
  );
  if (typeof o === 'string') return o;
  if (!o.opts.has('s') && !o.opts.has('symbolic')) return 'a hard link is not emulated';
  if (o.rest.length !== 2) return 'ln with other than a target and a link name is not emulated';
  const [target, path] = o.rest as [string, string];
  if (!path.startsWith('/')) return 'a relative link path (the working directory is not known)';
  if (path.endsWith('/')) return 'a link into a directory is not emulated';
  return [{ op: 'symlink', target, path, force: o.opts.has('f') || o.opts.has('force') }];
}

function touch(args: string[]): ScriptOp[] | string {
  const o = options(args, { short: '', long: [] }, { short: 'am', long: [] });
  if (typeof o === 'string') return o;
  const bad = absolute(o.rest);
  if (bad) return bad;
  return o.rest.map((path) => ({ op: 'touch', path }));
}

function statoverride(args: string[]): ScriptOp[] | string {
  const o = options(
    args,
    { short: '', long: [] },
    { short: '', long: ['add', 'update', 'force', 'quiet'] },
  );
  if (typeof o === 'string') return o;
  if (!o.opts.has('add')) return 'dpkg-statoverride without --add is not emulated';
  if (o.rest.length !== 4) return 'dpkg-statoverride --add takes user, group, mode and path';
  const [owner, group, mode, path] = o.rest as [string, string, string, string];
  if (!/^[0-7]{1,4}$/.test(mode)) return `mode "${mode}" is not octal`;
  if (!path.startsWith('/')) return 'a relative path';
  return [
    {
      op: 'statoverride',
      owner,
      group,
      mode: Number.parseInt(mode, 8),
      path: path.replace(/\/+$/, ''),
      update: o.opts.has('update'),
    },
  ];
}

function divert(args: string[], pkg: string): ScriptOp[] | string {
  const o = options(
    args,
    { short: '', long: ['package', 'divert'] },
    { short: '', long: ['add', 'rename', 'no-rename', 'local', 'quiet'] },
  );
  if (typeof o === 'string') return o;
  if (o.rest.length !== 1) return 'dpkg-divert takes one path';
  const path = o.rest[0]!;
  if (!path.startsWith('/')) return 'a relative path';
  // Without --package, dpkg-divert takes the package whose script runs
  // (DPKG_MAINTSCRIPT_PACKAGE); --local is written ":" in the database.
  const owner = o.opts.has('local') ? ':' : ((o.opts.get('package') as string | undefined) ?? pkg);
  const divertTo = (o.opts.get('divert') as string | undefined) ?? `${path}.distrib`;
  return [{ op: 'divert', path, divertTo, package: owner, rename: o.opts.has('rename') }];
}

function account(cmd: 'adduser' | 'addgroup', args: string[]): ScriptOp[] | string {
  if (!args.includes('--system')) return `${cmd} without --system is not emulated`;
  const a: SystemAccount = { name: '', group: false };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--group') a.group = true;
    else if (w === '--home') a.home = args[++i];
    else if (w === '--shell') a.shell = args[++i];
    else if (w === '--ingroup') a.ingroup = args[++i];
    else if (
      [
        '--system',
        '--quiet',
        '--disabled-password',
        '--disabled-login',
        '--no-create-home',
      ].includes(w)
    ) {
      if (w === '--no-create-home') return '--no-create-home is not emulated';
    } else if (['--gecos', '--comment'].includes(w)) i++;
    else if (w.startsWith('-')) return `option ${w} is not emulated`;
    else positional.push(w);
  }
  if (positional.length !== 1) return `${cmd} with ${positional.length} names is not emulated`;
  a.name = positional[0]!;
  if (cmd === 'addgroup')
    return [{ op: 'account', account: { name: a.name, group: true, groupOnly: true } }];
  return [{ op: 'account', account: a }];
}
