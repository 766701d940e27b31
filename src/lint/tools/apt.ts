/** apt-get and apt invocations: subcommand, options in any order, packages. */
import type { CommandRef } from '../shell/analyze.js';
import { hasOption, optionValues, parseArgs, type ParsedArgs } from './options.js';

export interface AptCall {
  tool: 'apt-get' | 'apt';
  subcommand: string | undefined;
  args: ParsedArgs;
  /** Operands after the subcommand: packages for install. */
  operands: string[];
}

// Options that take a value: -o Key=Value, -c file, -t release.
const VALUED_SHORT = 'oct';
const VALUED_LONG = ['--option', '--config-file', '--target-release', '--default-release'];

export function aptCall(ref: CommandRef): AptCall | undefined {
  if (ref.name !== 'apt-get' && ref.name !== 'apt') return undefined;
  const args = parseArgs(ref.argv.slice(1), VALUED_SHORT, VALUED_LONG);
  const [subcommand, ...operands] = args.positionals;
  return { tool: ref.name, subcommand, args, operands };
}

function aptOptionIs(call: AptCall, key: RegExp, value: RegExp): boolean {
  return optionValues(call.args, '-o', '--option').some((v) => {
    const eq = v.indexOf('=');
    return eq !== -1 && key.test(v.slice(0, eq)) && value.test(v.slice(eq + 1));
  });
}

/** -y, --yes, --assume-yes, -qq (which implies -y), or -o APT::Get::Assume-Yes=true. */
export function assumesYes(call: AptCall): boolean {
  if (hasOption(call.args, '-y', '--yes', '--assume-yes', '--quiet=2')) return true;
  if (call.args.options.filter((o) => o.name === '-q').length >= 2) return true;
  if (call.args.options.some((o) => o.name === '--quiet' && o.value === '2')) return true;
  return aptOptionIs(call, /^APT::Get::Assume-Yes$/i, /^(true|yes|1)$/i);
}

/** --no-install-recommends, or -o APT::Install-Recommends=false. */
export function skipsRecommends(call: AptCall): boolean {
  if (hasOption(call.args, '--no-install-recommends')) return true;
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
