/** `kubox verify`: check an image against its spec; the exit code is the verdict's. */
import { stringify } from 'yaml';
import { KuboxError } from '../errors.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import {
  judge,
  verdictExitCode,
  verdictLines,
  type CheckResult,
  type Status,
} from '../verify/verdict.js';
import { verify } from '../verify/verify.js';
import type { Level } from '../verify/profile.js';
import type { ProfileReport } from '../verify/verify.js';
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
  profile?: Level;
  readOnly?: boolean;
  json: boolean;
}

/** The lines after the verdict under --profile: what broke only there, and the pod spec. */
function profileLines(out: Out, p: ProfileReport, results: readonly CheckResult[]): string[] {
  const ran = results.filter((r) => r.kind === 'exec' && r.status !== 'skip');
  const works = ran.filter((r) => r.status === 'pass').length;
  const anyway = ran.filter((r) => r.profile?.onlyUnderProfile === false).length;
  const lines = [
    `\nUnder ${p.level} (${p.constraints}):`,
    `  ${works} of ${ran.length} commands work; ${p.failsOnlyUnderProfile.length} break only under ${p.level}; ${anyway} fail without it too`,
  ];
  for (const f of p.failsOnlyUnderProfile)
    lines.push(
      `  ${paint(out, 'red', 'breaks')}  ${f.platform}  ${f.check}${f.likelyCause ? `  (likely: ${f.likelyCause})` : ''}`,
    );
  lines.push(`\nPod spec for ${p.level}:`);
  lines.push(
    ...stringify({ spec: p.podSpec })
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return lines;
}

export async function runVerify(ctx: Context, image: string, o: VerifyFlags): Promise<void> {
  ctx.json = o.json;
  if (o.readOnly && !o.profile)
    throw new KuboxError('usage', '--read-only applies only with --profile', {
      hint: 'add --profile restricted (or baseline)',
    });
  const { spec, source } = loadSpec(o.file);
  const plan = makePlan(spec, source);
  const platforms = o.platform === undefined ? undefined : commaList(o.platform);
  if (platforms?.length === 0)
    throw new KuboxError('usage', '--platform names no platform', {
      hint: 'give a comma-separated list, e.g. --platform linux/amd64,linux/arm64',
    });
  const report = await verify(plan, image, {
    ...(platforms ? { platforms } : {}),
    ...(o.profile ? { profile: { level: o.profile, readOnly: Boolean(o.readOnly) } } : {}),
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
    if (report.profile)
      ctx.out.print(profileLines(ctx.out, report.profile, report.results).join('\n'));
  }
  process.exitCode = verdictExitCode(report);
}
