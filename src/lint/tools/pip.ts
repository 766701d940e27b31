/** pip invocations: `pip install`, `pip3.12 install`, `python3 -m pip install`, and pipx. */
import type { CommandRef } from '../shell/analyze.js';
import { parseArgs, type ParsedArgs } from './options.js';

export interface PipCall {
  tool: 'pip' | 'pipx';
  subcommand: string | undefined;
  args: ParsedArgs;
  operands: string[];
}

// pip's options that take a value (general and install options), so their values are not packages.
const VALUED_SHORT = 'rceitfbC';
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
  '--log-file',
  '--proxy',
  '--timeout',
  '--retries',
  '--only-binary',
  '--no-binary',
  '--config-settings',
  '--global-option',
  '--install-option',
  '--build-option',
  '--report',
  '--python',
  '--root-user-action',
  '--exists-action',
  '--cert',
  '--client-cert',
  '--keyring-provider',
  '--use-feature',
  '--use-deprecated',
  '--hash',
  '--group',
];
// pipx: `pipx install [--python P] [--index-url U] [--pip-args ARGS] [--suffix S] PKG`.
const PIPX_VALUED_LONG = [
  '--python',
  '--index-url',
  '--pip-args',
  '--suffix',
  '--spec',
  '--editable',
  '--preinstall',
  '--fetch-missing-python',
];

export function pipCall(ref: CommandRef): PipCall | undefined {
  let rest: string[];
  let tool: PipCall['tool'] = 'pip';
  if (/^pip(\d+(\.\d+)*)?$/.test(ref.name)) rest = ref.argv.slice(1);
  else if (ref.name === 'pipx') {
    tool = 'pipx';
    rest = ref.argv.slice(1);
  } else if (/^python(\d+(\.\d+)*)?$/.test(ref.name)) {
    const m = ref.argv.indexOf('-m');
    const mod = ref.argv[m + 1];
    if (m === -1 || (mod !== 'pip' && mod !== 'pipx')) return undefined;
    tool = mod;
    rest = ref.argv.slice(m + 2);
  } else return undefined;
  const args =
    tool === 'pip'
      ? parseArgs(rest, VALUED_SHORT, VALUED_LONG)
      : parseArgs(rest, 'e', PIPX_VALUED_LONG);
  const [subcommand, ...operands] = args.positionals;
  return { tool, subcommand, args, operands };
}

const VCS = /^(git|hg|svn|bzr)\+[a-z]+:\/\//i;

/** A VCS URL pins only with `@ref` after its path: `git+https://host/repo.git@v1.2`. */
function vcsPinned(url: string): boolean {
  const rest = url.replace(/#.*$/, '').replace(/^[^:]+:\/\//, '');
  const slash = rest.indexOf('/');
  // The host part may carry `user@`; only an `@` in the path names a revision.
  return slash !== -1 && rest.slice(slash).includes('@');
}

/**
 * A requirement pinned to a version, or not a registry requirement at all (a
 * local path, an archive URL, a wheel). Any version comparison counts as a pin
 * (`==`, `===`, `~=`, `>=`, `<=`, `>`, `<`, `!=`).
 */
export function isPinnedOrLocal(req: string): boolean {
  const at = /^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@\s*(.+)$/.exec(req);
  if (at) return VCS.test(at[2]!) ? vcsPinned(at[2]!) : true; // `name @ URL`
  if (VCS.test(req)) return vcsPinned(req);
  if (/[=<>~!]=|===|[<>]/.test(req)) return true;
  if (/^[a-z]+:\/\//i.test(req)) return true; // an archive URL is one exact file
  // A path: `.`, `./pkg`, `/src/pkg`, `foo/bar` (a project folder), `~/x`.
  if (/^[.~/]/.test(req) || req.includes('/')) return true;
  return /\.(whl|tar\.gz|zip|tgz|tar\.bz2)$/i.test(req);
}
