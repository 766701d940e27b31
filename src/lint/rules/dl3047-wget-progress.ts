import type { Rule } from '../types.js';
import { commandSpan, runs } from './helpers.js';

/** Long options that set wget's progress output or silence it (and with it the progress bar). */
const QUIET =
  /^(--progress(=.*)?|--quiet|--no-verbose|-nv|--output-file(=.*)?|--append-output(=.*)?)$/;
// wget's short options that take a value: the rest of the cluster is that value.
const VALUED = 'OPoatTUeiBQwlDA';

/** `-q`, `-o LOG`, `-a LOG` inside a short option cluster such as `-qO-` or `-cq`. */
function quietCluster(arg: string): boolean {
  if (!/^-[^-]/.test(arg)) return false;
  for (const letter of arg.slice(1)) {
    if (letter === 'q' || letter === 'o' || letter === 'a') return true;
    if (VALUED.includes(letter)) return false;
  }
  return false;
}

export const dl3047: Rule = {
  code: 'DL3047',
  name: 'wget-progress',
  severity: 'info',
  enabledByDefault: true,
  summary: 'Give wget --progress (or -q / -nv) so the build log is not flooded.',
  hint: 'add --progress=dot:giga (or -q, -nv)',
  docs: `Without a terminal, wget's progress bar falls back to one line of dots per
few kilobytes: a large download writes thousands of lines into the build log.
Satisfied by --progress=..., -q/--quiet, -nv/--no-verbose, or logging to a file
(-o/--output-file, -a/--append-output), in any option cluster (\`-qO-\`).`,
  check(doc) {
    return runs(doc).flatMap((i) =>
      i.shell.commands.flatMap((c) => {
        if (c.name !== 'wget') return [];
        const args = c.argv.slice(1);
        const quiet = args.some((a) => QUIET.test(a) || quietCluster(a));
        if (quiet) return [];
        return [{ span: commandSpan(doc, c), message: 'wget without --progress' }];
      }),
    );
  },
};
