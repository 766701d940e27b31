import type { Command } from 'commander';
import type { Context } from '../context.js';
import { specOption } from '../options.js';
import type { RenderFlags } from '../render.js';

export function registerRender(program: Command, ctx: Context): void {
  program
    .command('render')
    .description('write the Dockerfile and .dockerignore the spec describes')
    .addOption(specOption())
    .option('-o, --out <dir>', 'directory to write into', '.')
    .option('--stdout', 'print the Dockerfile instead of writing files', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox render --out build/\n  kubox render --stdout | less',
    )
    .action(async (o: RenderFlags) => (await import('../render.js')).runRender(ctx, o));
}
