/** `kubox render`: write the Dockerfile and .dockerignore the spec describes. */
import { join } from 'node:path';
import { render } from '../dockerfile/render.js';
import { writeFileAtomic } from '../fs.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import type { Context } from './context.js';

export interface RenderFlags {
  file?: string;
  out: string;
  stdout: boolean;
}

export async function runRender(ctx: Context, o: RenderFlags): Promise<void> {
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
}
