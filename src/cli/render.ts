import { join } from 'node:path';
import type { Command } from 'commander';
import { render } from '../dockerfile/render.js';
import { writeFileAtomic } from '../fs.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { specOption, type Context } from './main.js';

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
    .action(async (o: { file?: string; out: string; stdout: boolean }) => {
      const { spec, source } = loadSpec(o.file);
      const { dockerfile, dockerignore } = render(makePlan(spec, source));
      if (o.stdout) {
        process.stdout.write(dockerfile);
        return;
      }
      // Both are computed before either is written: a bad spec writes nothing.
      await writeFileAtomic(join(o.out, 'Dockerfile'), dockerfile);
      await writeFileAtomic(join(o.out, '.dockerignore'), dockerignore);
      ctx.out.info(
        `wrote ${join(o.out, 'Dockerfile')} and ${join(o.out, '.dockerignore')} from ${source}`,
      );
    });
}
