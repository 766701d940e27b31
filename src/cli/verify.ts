/** `kubox verify`: check an image against its spec; the exit code is the verdict's. */
import { KuboxError } from '../errors.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { judge, verdictExitCode, verdictLines, type Status } from '../verify/verdict.js';
import { verify } from '../verify/verify.js';
import type { Context } from './context.js';
import { json, paint, table, type Out } from './output.js';
import { commaList } from './options.js';

const STYLE: Record<Status, 'green' | 'red' | 'yellow'> = {
  pass: 'green',
  fail: 'red',
  skip: 'yellow',
};

function mark(out: Out, s: Status): string {
  return paint(out, STYLE[s], s.toUpperCase());
}

export interface VerifyFlags {
  file?: string;
  platform?: string;
  json: boolean;
}

export async function runVerify(ctx: Context, image: string, o: VerifyFlags): Promise<void> {
  ctx.json = o.json;
  const { spec, source } = loadSpec(o.file);
  const plan = makePlan(spec, source);
  const platforms = o.platform === undefined ? undefined : commaList(o.platform);
  if (platforms?.length === 0)
    throw new KuboxError('usage', '--platform names no platform', {
      hint: 'give a comma-separated list, e.g. --platform linux/amd64,linux/arm64',
    });
  const report = await verify(plan, image, {
    ...(platforms ? { platforms } : {}),
    log: (m) => ctx.out.info(`kubox: ${m}`),
  });
  if (o.json) ctx.out.print(json(report));
  else {
    const rows = report.results.map((r) => [
      r.platform,
      mark(ctx.out, r.status),
      r.check,
      r.detail,
    ]);
    ctx.out.print(table(rows, ['PLATFORM', 'RESULT', 'CHECK', 'DETAIL']));
    const { headline, tally, notes } = verdictLines(judge(report.results));
    const color =
      report.verdict === 'verified' ? 'green' : report.verdict === 'failed' ? 'red' : 'yellow';
    ctx.out.print(`\n${paint(ctx.out, color, headline)}: ${tally}`);
    for (const n of notes) ctx.out.print(`  ${n}`);
  }
  process.exitCode = verdictExitCode(report);
}
