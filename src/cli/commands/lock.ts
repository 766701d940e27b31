import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { LockFlags } from '../lock.js';
import { buildArgOption, specOption } from '../options.js';

export function registerLock(program: Command, ctx: Context): void {
  program
    .command('lock')
    .description(
      "resolve every platform's Debian packages, binaries and wheels from their signed sources and write kubox.lock beside the spec (the native engine builds from it)",
    )
    .addOption(specOption())
    .addOption(buildArgOption())
    .option(
      '--platform <list>',
      'comma-separated platforms of the spec to resolve again (default: all); the others keep what kubox.lock has',
    )
    .option('--json', 'print the lock as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox lock                             # refresh after editing kubox.yaml, or to take security updates\n  kubox lock --platform linux/amd64      # only amd64 (an index with no arm64 wheels, say)\n  kubox build --engine native --locked   # CI: build exactly what the lock pins',
    )
    .action(async (o: LockFlags) => (await import('../lock.js')).runLock(ctx, o));
}
