/** `kubox lock`: resolve the spec's packages, binaries and wheels again and write kubox.lock. */
import { KuboxError } from '../errors.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import type { Context } from './context.js';
import { commaList, parseBuildArgs } from './options.js';
import { json, paint, table } from './output.js';

export interface LockFlags {
  file?: string;
  buildArg?: string[];
  platform?: string;
  json: boolean;
}

/** --platform's list: platforms of the spec, each once. */
function lockPlatforms(list: string | undefined, spec: readonly string[]): string[] | undefined {
  if (list === undefined) return undefined;
  const named = [...new Set(commaList(list))];
  const other = named.filter((p) => !spec.includes(p));
  if (named.length === 0 || other.length > 0)
    throw new KuboxError(
      'usage',
      named.length === 0
        ? '--platform names no platform'
        : `--platform ${other.join(', ')}: not among the spec's platforms (${spec.join(', ')})`,
      {
        hint: 'kubox.lock holds the platforms of the spec: add it to platforms: in kubox.yaml first',
      },
    );
  return named;
}

export async function runLock(ctx: Context, o: LockFlags): Promise<void> {
  ctx.json = o.json;
  const { spec, source } = loadSpec(o.file);
  const plan = makePlan(spec, source);
  const platforms = lockPlatforms(o.platform, spec.platforms);
  // Loaded here, not at start-up: see engines/select.ts.
  const { refreshLock } = await import('../engines/native/lock-policy.js');
  const r = await refreshLock(plan, {
    buildArgs: parseBuildArgs(o.buildArg ?? []),
    specSource: source,
    ...(platforms ? { platforms } : {}),
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
}
