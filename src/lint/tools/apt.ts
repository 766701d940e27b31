/** apt-get, apt and aptitude invocations: subcommand, options in any order, packages. */
import type { CommandRef } from '../shell/analyze.js';
import { hasOption, optionValues, parseArgs, type ParsedArgs } from './options.js';

export interface AptCall {
  tool: 'apt-get' | 'apt' | 'aptitude';
  subcommand: string | undefined;
  args: ParsedArgs;
  /** Operands after the subcommand: packages for install. */
  operands: string[];
  /** The words as written, for options getopt would split (`-q=2`). */
  raw: string[];
}

// Options that take a value: -o Key=Value, -c file, -t release (aptitude: -F, -w, -S, -O too).
const VALUED: Record<AptCall['tool'], { short: string; long: string[] }> = {
  'apt-get': {
    short: 'oct',
    long: ['--option', '--config-file', '--target-release', '--default-release'],
  },
  apt: {
    short: 'oct',
    long: ['--option', '--config-file', '--target-release', '--default-release'],
  },
  aptitude: {
    short: 'otFwSO',
    long: ['--option', '--target-release', '--display-format', '--width', '--sort'],
  },
};

export function aptCall(ref: CommandRef): AptCall | undefined {
  if (ref.name !== 'apt-get' && ref.name !== 'apt' && ref.name !== 'aptitude') return undefined;
  const raw = ref.argv.slice(1);
  // `-q=2` is apt's way of writing the quiet level: not three short options.
  const args = parseArgs(
    raw.filter((a) => !/^-q=\d+$/.test(a)),
    VALUED[ref.name].short,
    VALUED[ref.name].long,
  );
  const [subcommand, ...operands] = args.positionals;
  return { tool: ref.name, subcommand, args, operands, raw };
}

function aptOptionIs(call: AptCall, key: RegExp, value: RegExp): boolean {
  return optionValues(call.args, '-o', '--option').some((v) => {
    const eq = v.indexOf('=');
    return eq !== -1 && key.test(v.slice(0, eq)) && value.test(v.slice(eq + 1));
  });
}

/** apt's quiet level: each -q or --quiet adds one, -q=N and --quiet=N set N. */
function quietLevel(call: AptCall): number {
  let level = 0;
  for (const o of call.args.options) {
    if (o.name !== '-q' && o.name !== '--quiet') continue;
    level = o.value !== undefined && /^\d+$/.test(o.value) ? Number(o.value) : level + 1;
  }
  for (const a of call.raw) {
    const m = /^-q=(\d+)$/.exec(a);
    if (m) level = Number(m[1]);
  }
  return level;
}

/**
 * -y, --yes, --assume-yes, or -o APT::Get::Assume-Yes=true; for apt-get also a
 * quiet level of 2 (-qq, -q=2, --quiet --quiet), which implies -y.
 */
export function assumesYes(call: AptCall): boolean {
  if (hasOption(call.args, '-y', '--yes', '--assume-yes')) return true;
  if (call.tool === 'aptitude')
    return aptOptionIs(call, /^Aptitude::CmdLine::Assume-Yes$/i, /^(true|yes|1)$/i);
  if (quietLevel(call) >= 2) return true;
  return aptOptionIs(call, /^APT::Get::Assume-Yes$/i, /^(true|yes|1)$/i);
}

/** --no-install-recommends (aptitude: -R, --without-recommends), or -o APT::Install-Recommends=false. */
export function skipsRecommends(call: AptCall): boolean {
  if (hasOption(call.args, '--no-install-recommends')) return true;
  if (call.tool === 'aptitude' && hasOption(call.args, '-R', '--without-recommends')) return true;
  return aptOptionIs(call, /^APT::Install-Recommends$/i, /^(false|no|0)$/i);
}

/** install (and reinstall), the subcommands that add packages. */
export function installs(call: AptCall): boolean {
  return call.subcommand === 'install' || call.subcommand === 'reinstall';
}

/** Packages named on the command line; local .deb files are not repository packages. */
export function packages(call: AptCall): string[] {
  return call.operands.filter(
    (p) => !p.endsWith('.deb') && !p.startsWith('/') && !p.startsWith('./'),
  );
}
