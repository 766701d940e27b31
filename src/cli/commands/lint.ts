import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import type { LintFlags } from '../lint.js';
import { commaList, specOption } from '../options.js';

/** `--ignore DL3008,DL3009 --ignore DL3015`: each use adds its comma-separated values. */
const collectList = (v: string, acc: string[]) => [...acc, ...commaList(v)];

export function registerLint(program: Command, ctx: Context): void {
  program
    .command('lint')
    .argument(
      '[paths...]',
      'Dockerfiles or directories (default: the Dockerfile kubox.yaml renders, else ./Dockerfile)',
    )
    .description(
      "check Dockerfiles against the seed's practices; hadolint's codes and ignore comments",
    )
    .addOption(specOption())
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'json', 'sarif', 'checkstyle'])
        .default('text'),
    )
    .addOption(
      new Option(
        '--failure-threshold <level>',
        'exit 1 when a finding is at least this severe (default: info)',
      ).choices(['error', 'warning', 'info', 'style', 'none', 'ignore']),
    )
    .option('-c, --config <file>', 'config file (default: .kubox-lint.yaml, else .hadolint.yaml)')
    .option(
      '--ignore <codes>',
      'codes not to report (repeatable, comma-separated)',
      collectList,
      [],
    )
    .option(
      '--trusted-registry <registry>',
      'registries FROM may use (DL3026; repeatable)',
      collectList,
      [],
    )
    .option(
      '--require-label <name>',
      'labels the final image must carry (DL3049; repeatable)',
      collectList,
      [],
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--list-rules', 'list the rules with their codes and levels', false)
    .option(
      '--shellcheck <path>',
      'run this shellcheck on every RUN (default: shellcheck on PATH, if any)',
    )
    .option('--no-shellcheck', 'do not run ShellCheck (no SC codes)')
    .addHelpText(
      'after',
      '\nExamples:\n  kubox lint\n  kubox lint Dockerfile docker/ --failure-threshold warning\n  kubox lint --format sarif -o kubox-lint.sarif .',
    )
    .action(async (paths: string[], o: LintFlags) =>
      (await import('../lint.js')).runLint(ctx, paths, o),
    );
}
