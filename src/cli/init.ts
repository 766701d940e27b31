/** `kubox init`: write a commented kubox.yaml from a preset. */
import { init } from '../init.js';
import type { Context } from './context.js';

export interface InitFlags {
  preset: string;
  file: string;
  force: boolean;
}

export async function runInit(ctx: Context, o: InitFlags): Promise<void> {
  await init(o.file, o.preset, o.force);
  ctx.out.info(
    `wrote ${o.file} (preset ${o.preset}); edit it, then run \`kubox render\` or \`kubox build\``,
  );
}
