/** pip invocations: `pip install`, `pip3.12 install`, `python3 -m pip install`. */
import type { CommandRef } from '../shell/analyze.js';
import { parseArgs, type ParsedArgs } from './options.js';

export interface PipCall {
  subcommand: string | undefined;
  args: ParsedArgs;
  operands: string[];
}

const VALUED_SHORT = 'rceitfb';
const VALUED_LONG = [
  '--requirement',
  '--constraint',
  '--editable',
  '--index-url',
  '--extra-index-url',
  '--target',
  '--find-links',
  '--prefix',
  '--root',
  '--src',
  '--trusted-host',
  '--platform',
  '--python-version',
  '--implementation',
  '--abi',
  '--upgrade-strategy',
  '--progress-bar',
  '--cache-dir',
  '--log',
  '--proxy',
  '--timeout',
  '--retries',
  '--only-binary',
  '--no-binary',
  '--config-settings',
  '--global-option',
  '--report',
  '--python',
];

export function pipCall(ref: CommandRef): PipCall | undefined {
  let rest: string[];
  if (/^pip(\d+(\.\d+)*)?$/.test(ref.name)) rest = ref.argv.slice(1);
  else if (/^python(\d+(\.\d+)*)?$/.test(ref.name)) {
    const m = ref.argv.indexOf('-m');
    if (m === -1 || ref.argv[m + 1] !== 'pip') return undefined;
    rest = ref.argv.slice(m + 2);
  } else return undefined;
  const args = parseArgs(rest, VALUED_SHORT, VALUED_LONG);
  const [subcommand, ...operands] = args.positionals;
  return { subcommand, args, operands };
}

/** A requirement pinned to a version, or not a requirement at all (a path, a URL, a wheel). */
export function isPinnedOrLocal(req: string): boolean {
  if (/[=<>~]=|===|@/.test(req)) return true;
  if (/^[./]|^[a-z+]+:\/\//i.test(req)) return true;
  return /\.(whl|tar\.gz|zip|tgz)$/i.test(req);
}
