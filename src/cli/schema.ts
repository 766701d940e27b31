/** `kubox schema`: print the JSON Schema of kubox.yaml. */
import { specJsonSchema } from '../spec/json-schema.js';
import type { Context } from './context.js';

export function runSchema(ctx: Context): void {
  ctx.out.print(JSON.stringify(specJsonSchema(), null, 2));
}
