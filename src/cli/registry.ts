/** The registry commands: pin, inspect, push, pull. */
import type { Command } from 'commander';
import { ExitCode, KuboxError } from '../errors.js';
import { makePlan } from '../plan/plan.js';
import { DEFAULT_SPEC_FILE, loadSpec } from '../spec/load.js';
import { inspect } from '../registry/inspect.js';
import { pin } from '../registry/pin.js';
import { push } from '../registry/push.js';
import { pull } from '../registry/remote.js';
import { json, paint, table } from './output.js';
import type { Context } from './main.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

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

export function registerRegistry(program: Command, ctx: Context): void {
  const log = (m: string) => ctx.out.info(`kubox: ${m}`);

  program
    .command('pin')
    .description(
      "pin kubox.yaml's base to the digest its tag points at now (rewrites the file in place)",
    )
    .option('-f, --file <path>', 'spec file', DEFAULT_SPEC_FILE)
    .option('--check', 'only check: exit 1 when the tag moved, print old and new', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', '\nExamples:\n  kubox pin\n  kubox pin --check   # in CI, on a schedule')
    .action(async (o: { file: string; check: boolean; json: boolean }) => {
      ctx.json = o.json;
      const r = await pin(o.file, { check: o.check, log });
      if (o.json) ctx.out.print(json(r));
      else if (!r.moved)
        ctx.out.print(
          `${r.base} is pinned to its current digest ${r.new} (${r.platforms.join(', ')})`,
        );
      else if (o.check)
        ctx.out.print(
          `${paint(ctx.out, 'yellow', 'moved')}: ${r.base}\n  old ${r.old}\n  new ${r.new}\nrun \`kubox pin\` to update ${r.file}`,
        );
      else ctx.out.print(`pinned ${r.base}\n  old ${r.old}\n  new ${r.new}\nin ${r.file}`);
      if (o.check && r.moved) process.exitCode = ExitCode.failed;
    });

  program
    .command('inspect')
    .argument('<image>', 'registry reference or oci:PATH (layout directory or archive)')
    .description("show an image's platforms, digests, layer sizes and config")
    .option('--json', 'print as JSON', false)
    .addHelpText(
      'after',
      '\nExamples:\n  kubox inspect oci:out/py-kube-0.9.0.oci.tar\n  kubox inspect ghcr.io/acme/py-kube:0.9.0 --json',
    )
    .action(async (image: string, o: { json: boolean }) => {
      ctx.json = o.json;
      const r = await inspect(image, { log });
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
    });

  program
    .command('push')
    .argument('<source>', 'oci:PATH, an OCI layout directory or archive')
    .argument(
      '[refs...]',
      "registry/repository:tag targets (default: the spec's image.repository and tags)",
    )
    .option('-f, --file <path>', 'spec whose tags are the default targets')
    .description('push an OCI archive with every platform, without a daemon')
    .option(
      '--chunk-size <bytes>',
      'upload in chunks of this size (default: one request per blob)',
      (v) => Number.parseInt(v, 10),
    )
    .option('--mount-from <repo...>', 'repositories of the same registry to mount blobs from')
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      '\nExample:\n  kubox push oci:out/py-kube-0.9.0.oci.tar ghcr.io/acme/py-kube:0.9.0 ghcr.io/acme/py-kube:latest',
    )
    .action(
      async (
        source: string,
        given: string[],
        o: { file?: string; chunkSize?: number; mountFrom?: string[]; json: boolean },
      ) => {
        ctx.json = o.json;
        const refs = given.length > 0 ? given : specTags(o.file);
        if (o.chunkSize !== undefined && !(o.chunkSize > 0))
          throw new KuboxError('usage', '--chunk-size must be a positive number of bytes');
        const r = await push(source, refs, {
          log,
          ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
          ...(o.mountFrom ? { mountFrom: o.mountFrom } : {}),
        });
        if (o.json) ctx.out.print(json(r));
        else
          ctx.out.print(
            `${paint(ctx.out, 'green', 'pushed')} ${r.digest} to ${r.refs.join(', ')}\n  blobs: ${r.blobs.uploaded} uploaded (${mb(r.blobs.bytesUploaded)}), ${r.blobs.mounted} mounted, ${r.blobs.skipped} already there`,
          );
      },
    );

  program
    .command('pull')
    .argument('<ref>', 'registry/repository:tag or @digest')
    .argument('<dest>', 'oci:PATH of the archive to write')
    .description('pull every platform of an image into an OCI archive, without a daemon')
    .option('--json', 'print the result as JSON', false)
    .action(async (ref: string, dest: string, o: { json: boolean }) => {
      ctx.json = o.json;
      if (!dest.startsWith('oci:')) throw new KuboxError('usage', `${dest} is not oci:PATH`);
      const r = await pull(ref, dest.slice(4), { log });
      if (o.json) ctx.out.print(json(r));
      else ctx.out.print(`pulled ${ref} (${r.digest}, ${r.blobs} blobs) to ${r.path}`);
    });
}
