/** `kubox lock`: resolve the spec's packages, binaries and wheels again and write kubox.lock. */
import type { Command } from 'commander';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { parseBuildArgs } from './build.js';
import { json, paint, table } from './output.js';
import { buildArgOption, specOption, type Context } from './main.js';

export function registerLock(program: Command, ctx: Context): void {
  program
    .command('lock')
    .description(
      "resolve every platform's Debian packages, binaries and wheels from their signed sources and write kubox.lock beside the spec (the native engine builds from it)",
    )
    .addOption(specOption())
    .addOption(buildArgOption())
    .option('--json', 'print the lock as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox lock                      # refresh after editing kubox.yaml, or to take security updates\n  kubox build --engine native --locked   # CI: build exactly what the lock pins',
    )
    .action(async (o: { file?: string; buildArg?: string[]; json: boolean }) => {
      ctx.json = o.json;
      const { spec, source } = loadSpec(o.file);
      const plan = makePlan(spec, source);
      // Loaded here, not at start-up: see engines/select.ts.
      const { refreshLock } = await import('../engines/native/locking.js');
      const r = await refreshLock(plan, {
        buildArgs: parseBuildArgs(o.buildArg ?? []),
        specSource: source,
        log: (m) => ctx.out.info(`kubox: ${m}`),
      });
      if (o.json) {
        ctx.out.print(json({ path: r.path, written: r.written, lock: r.lock }));
        return;
      }
      ctx.out.print(`${paint(ctx.out, 'green', r.written ? 'wrote' : 'unchanged')} ${r.path}`);
      ctx.out.print(
        table(
          Object.entries(r.lock.platforms).map(([p, l]) => [
            p,
            String(l.debs.length),
            String(l.binaries.length),
            String(l.wheels.length),
          ]),
          ['PLATFORM', 'DEBS', 'BINARIES', 'WHEELS'],
        ),
      );
    });
}
