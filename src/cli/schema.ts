import type { Command } from 'commander';
import { specJsonSchema } from '../spec/json-schema.js';
import type { Context } from './main.js';

export function registerSchema(program: Command, ctx: Context): void {
  program
    .command('schema')
    .description('print the JSON Schema of kubox.yaml (also shipped as kubox/schema.json)')
    .action(() => ctx.out.print(JSON.stringify(specJsonSchema(), null, 2)));
}
