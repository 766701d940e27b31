import type { Command } from 'commander';
import type { CiGithubFlags, CiOutputsFlags } from '../ci.js';
import type { Context } from '../context.js';
import { DEFAULT_SPEC_FILE } from '../options.js';

export function registerCi(program: Command, ctx: Context): void {
  const ci = program.command('ci').description('CI pipelines generated from kubox.yaml');

  ci.command('github')
    .description('write .github/workflows/build-<name>.yml and .github/dependabot.yml')
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .option('--out <dir>', 'repository root to write under', '.')
    .option(
      '--check',
      'write nothing; exit 1 when the files on disk differ from what kubox.yaml gives',
      false,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kubox ci github\n  kubox ci github --check   # in CI: is the workflow current?',
    )
    .action(async (o: CiGithubFlags) => (await import('../ci.js')).runCiGithub(ctx, o));

  ci.command('outputs')
    .description('print name=value lines for $GITHUB_OUTPUT (registry, name, version, tags)')
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .action(async (o: CiOutputsFlags) => (await import('../ci.js')).runCiOutputs(o));
}
