import type { Command } from 'commander';
import { PRESETS } from '../../spec/presets.js';
import type { Context } from '../context.js';
import type { InitFlags } from '../init.js';

export function registerInit(program: Command, ctx: Context): void {
  program
    .command('init')
    .description('write a commented kubox.yaml from a preset')
    .option('--preset <name>', `preset to start from (${PRESETS.join(', ')})`, 'py-kube')
    .option('-f, --file <path>', 'where to write it', 'kubox.yaml')
    .option('--force', 'overwrite an existing file', false)
    .addHelpText('after', '\nExample:\n  kubox init --preset py-kube && $EDITOR kubox.yaml')
    .action(async (o: InitFlags) => (await import('../init.js')).runInit(ctx, o));
}
