import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerSchema(program: Command, ctx: Context): void {
  program
    .command('schema')
    .description('print the JSON Schema of kubox.yaml (also shipped as kubox/schema.json)')
    .action(async () => (await import('../schema.js')).runSchema(ctx));
}
