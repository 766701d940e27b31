/** The registry commands: pin, inspect, push, pull. */
import { ExitCode, KuboxError } from '../errors.js';
import { layoutPath } from '../image/name.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { inspect } from '../registry/inspect.js';
import { pin } from '../registry/pin.js';
import { push } from '../registry/push.js';
import { pull } from '../registry/remote.js';
import type { Context } from './context.js';
import { json, paint, table } from './output.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

const logTo = (ctx: Context) => (m: string) => ctx.out.info(`kubox: ${m}`);

/** The spec's full tags, for commands whose targets default to them. */
function specTags(file: string | undefined): string[] {
  const { spec, source } = loadSpec(file);
  if (!spec.image.repository) {
    throw new KuboxError('usage', `no target given and ${source} has no image.repository`, {
      hint: 'name targets (kubox push oci:PATH registry/repo:tag) or set image.repository',
    });
  }
  return makePlan(spec, source).tags;
}

export interface PinFlags {
  file: string;
  check: boolean;
  json: boolean;
}

export async function runPin(ctx: Context, o: PinFlags): Promise<void> {
  ctx.json = o.json;
  const r = await pin(o.file, { check: o.check, log: logTo(ctx) });
  if (o.json) ctx.out.print(json(r));
  else if (!r.moved)
    ctx.out.print(`${r.base} is pinned to its current digest ${r.new} (${r.platforms.join(', ')})`);
  else if (o.check)
    ctx.out.print(
      `${paint(ctx.out, 'yellow', 'moved')}: ${r.base}\n  old ${r.old}\n  new ${r.new}\nrun \`kubox pin\` to update ${r.file}`,
    );
  else ctx.out.print(`pinned ${r.base}\n  old ${r.old}\n  new ${r.new}\nin ${r.file}`);
  if (o.check && r.moved) process.exitCode = ExitCode.failed;
}

export interface InspectFlags {
  json: boolean;
  referrers?: boolean;
}

export async function runInspect(ctx: Context, image: string, o: InspectFlags): Promise<void> {
  ctx.json = o.json;
  const r = await inspect(image, { log: logTo(ctx), ...(o.referrers ? { referrers: true } : {}) });
  if (o.json) {
    ctx.out.print(json(r));
    return;
  }
  ctx.out.print(`${r.image}\ndigest ${r.digest}\n`);
  ctx.out.print(
    table(
      r.platforms.map((p) => [p.platform, p.digest, String(p.layers.length), mb(p.size)]),
      ['PLATFORM', 'DIGEST', 'LAYERS', 'SIZE'],
    ),
  );
  for (const p of r.platforms) {
    ctx.out.print(
      `\n${p.platform}: user ${p.user || '(root)'}, workdir ${p.workdir || '/'}, cmd ${JSON.stringify(p.cmd)}${p.entrypoint.length ? `, entrypoint ${JSON.stringify(p.entrypoint)}` : ''}`,
    );
    for (const e of p.env) ctx.out.print(`  env ${e}`);
    for (const [k, v] of Object.entries(p.labels)) ctx.out.print(`  label ${k}=${v}`);
  }
  if (r.referrers) {
    ctx.out.print('\nreferrers:');
    ctx.out.print(
      r.referrers.length
        ? table(
            r.referrers.map((x) => [x.subject, x.artifactType, x.digest]),
            ['SUBJECT', 'ARTIFACT TYPE', 'DIGEST'],
          )
        : '  none',
    );
  }
}

export interface PushFlags {
  file?: string;
  chunkSize?: number;
  mountFrom?: string[];
  json: boolean;
}

export async function runPush(
  ctx: Context,
  source: string,
  given: string[],
  o: PushFlags,
): Promise<void> {
  ctx.json = o.json;
  const refs = given.length > 0 ? given : specTags(o.file);
  if (o.chunkSize !== undefined && !(o.chunkSize > 0))
    throw new KuboxError('usage', '--chunk-size must be a positive number of bytes');
  const r = await push(source, refs, {
    log: logTo(ctx),
    ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
    ...(o.mountFrom ? { mountFrom: o.mountFrom } : {}),
  });
  if (o.json) ctx.out.print(json(r));
  else
    ctx.out.print(
      `${paint(ctx.out, 'green', 'pushed')} ${r.digest} to ${r.refs.join(', ')}\n  blobs: ${r.blobs.uploaded} uploaded (${mb(r.blobs.bytesUploaded)}), ${r.blobs.mounted} mounted, ${r.blobs.skipped} already there`,
    );
}

export interface PullFlags {
  json: boolean;
}

export async function runPull(
  ctx: Context,
  ref: string,
  dest: string,
  o: PullFlags,
): Promise<void> {
  ctx.json = o.json;
  const path = layoutPath(dest);
  if (path === undefined) throw new KuboxError('usage', `${dest} is not oci:PATH`);
  const r = await pull(ref, path, { log: logTo(ctx) });
  if (o.json) ctx.out.print(json(r));
  else ctx.out.print(`pulled ${ref} (${r.digest}, ${r.blobs} blobs) to ${r.path}`);
}
