import type { Command } from 'commander';
import { init } from '../init.js';
import { PRESETS } from '../spec/presets.js';
import type { Context } from './main.js';

export function registerInit(program: Command, ctx: Context): void {
  program
    .command('init')
    .description('write a commented kubox.yaml from a preset')
    .option('--preset <name>', `preset to start from (${PRESETS.join(', ')})`, 'py-kube')
    .option('-f, --file <path>', 'where to write it', 'kubox.yaml')
    .option('--force', 'overwrite an existing file', false)
    .addHelpText('after', '\nExample:\n  kubox init --preset py-kube && $EDITOR kubox.yaml')
    .action(async (o: { preset: string; file: string; force: boolean }) => {
      await init(o.file, o.preset, o.force);
      ctx.out.info(
        `wrote ${o.file} (preset ${o.preset}); edit it, then run \`kubox render\` or \`kubox build\``,
      );
    });
}
