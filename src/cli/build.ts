import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BuildOptions, EngineName } from '../engines/options.js';
import { buildImage as build } from '../engines/select.js';
import { buildScanPush } from '../gated-build.js';
import { scanJson } from './scan.js';
import { formatScanTable } from '../scan/table.js';
import type { Plan } from '../plan/plan.js';
import type { BuildOutput } from '../engines/buildx/argv.js';
import { ExitCode, KuboxError } from '../errors.js';
import { makePlan } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { downloadProgress, json, paint, table } from './output.js';
import { buildArgOption, collect, specOption, type Context } from './main.js';

export function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new KuboxError('usage', `--build-arg ${p} is not NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

export function parseOutput(o: {
  push?: boolean;
  load?: boolean;
  output?: string;
}): BuildOutput | undefined {
  const chosen = [o.push && '--push', o.load && '--load', o.output && '--output'].filter(Boolean);
  if (chosen.length > 1)
    throw new KuboxError(
      'usage',
      `choose one of --push, --load and --output (got ${chosen.join(', ')})`,
    );
  if (o.push) return { type: 'push' };
  if (o.load) return { type: 'load' };
  if (o.output) {
    if (!o.output.startsWith('oci:') || o.output.length <= 4) {
      throw new KuboxError('usage', `--output ${o.output} is not oci:PATH`, {
        hint: 'for example --output oci:out/py-kube.tar',
      });
    }
    return { type: 'oci', path: resolve(o.output.slice(4)) };
  }
  return undefined;
}

interface BuildFlags {
  file?: string;
  platform?: string;
  push?: boolean;
  load?: boolean;
  output?: string;
  tag?: string[];
  network?: string;
  builder?: string;
  buildArg?: string[];
  progress: 'auto' | 'plain' | 'tty' | 'quiet';
  json: boolean;
  scan?: boolean;
  engine?: EngineName;
  locked?: boolean;
}

export function registerBuild(program: Command, ctx: Context): void {
  program
    .command('build')
    .description(
      'build the image with docker buildx or the daemonless native engine (default: push when image.repository is set, else an OCI archive under ./out)',
    )
    .addOption(specOption())
    .option('--platform <list>', "comma-separated platforms (default: the spec's)")
    .option('--push', 'push the tags to their registry')
    .option('--load', 'load the image into the local docker image store')
    .option('--output <oci:PATH>', 'write an OCI image layout archive')
    .option(
      '-t, --tag <ref>',
      "full image reference; replaces the spec's tags (repeatable)",
      collect,
    )
    .addOption(buildArgOption())
    .option('--network <mode>', 'buildx: network for RUN steps (e.g. host)')
    .option('--builder <name>', "buildx: an existing builder to use instead of the spec's")
    .addOption(
      new Option('--progress <mode>', 'buildx: BuildKit progress output')
        .choices(['auto', 'plain', 'tty', 'quiet'])
        .default('auto'),
    )
    .option(
      '--scan',
      "build an OCI archive, scan it (the spec's scan: gate), push that archive only if it passes",
    )
    .addOption(
      new Option(
        '--engine <name>',
        "buildx (Docker), native (no daemon: packages and wheels assembled onto the base), or auto: buildx when Docker with buildx answers, else native (default: the spec's engine:, auto)",
      ).choices(['auto', 'native', 'buildx']),
    )
    .option(
      '--locked',
      'native engine: fail unless kubox.lock exists and matches the spec (for CI), instead of resolving again',
    )
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      "\nExamples:\n  kubox build                                  # OCI archive in ./out (no registry needed)\n  kubox build --scan --push                    # push only what passed the vulnerability gate\n  kubox build --push                           # to image.repository with the spec's tags\n  kubox build --platform linux/amd64 --load    # one platform into the local image store\n  kubox build --engine native --locked         # no Docker: exactly what kubox.lock pins\n  kubox build --build-arg KUBECTL_VERSION=1.35 --tag ghcr.io/acme/py-kube:k1.35 --push",
    )
    .action(async (o: BuildFlags) => {
      ctx.json = o.json;
      const { spec, source } = loadSpec(o.file);
      const plan = makePlan(spec, source);
      // With --scan, --push may join --output: the archive is kept where asked, then pushed.
      const output = parseOutput(o.scan ? { ...o, push: false } : o);
      const opts: BuildOptions = {
        ...(o.platform
          ? {
              platforms: o.platform
                .split(',')
                .map((p) => p.trim())
                .filter(Boolean),
            }
          : {}),
        ...(output ? { output } : {}),
        ...(o.tag ? { tags: o.tag } : {}),
        ...(o.builder ? { builder: o.builder } : {}),
        ...(o.network ? { network: o.network } : {}),
        buildArgs: parseBuildArgs(o.buildArg ?? []),
        progress: o.progress,
        log: (m) => ctx.out.info(`kubox: ${m}`),
        ...(o.engine ? { engine: o.engine } : {}),
        ...(o.locked ? { locked: true } : {}),
        specSource: source,
        onProgress: downloadProgress(ctx.out),
      };
      if (o.scan) {
        await gatedBuild(ctx, plan, source, opts, o);
        return;
      }
      const result = await build(plan, opts);
      for (const w of summarizeWarnings(result.warnings ?? []))
        ctx.out.info(`${paint(ctx.out, 'yellow', 'warning')}: ${w}`);
      if (o.json) {
        ctx.out.print(json(result));
        return;
      }
      const where =
        result.output.type === 'oci'
          ? `wrote ${result.output.path}`
          : result.output.type === 'push'
            ? `pushed ${result.tags.join(', ')}`
            : `loaded ${result.tags.join(', ')}`;
      ctx.out.print(
        `${paint(ctx.out, 'green', 'built')} ${plan.spec.name} ${plan.spec.version}: ${where}`,
      );
      if (result.digest) ctx.out.print(`digest ${result.digest}`);
      if (result.images.length > 0)
        ctx.out.print(
          table(
            result.images.map((i) => [i.platform, i.digest]),
            ['PLATFORM', 'DIGEST'],
          ),
        );
    });
}

/** `--scan`: the build, the scan table, then what was (or was not) pushed and why. */
async function gatedBuild(
  ctx: Context,
  plan: Plan,
  source: string,
  opts: BuildOptions,
  o: BuildFlags,
): Promise<void> {
  // Without --output, a spec with a repository pushes by default, as plain `kubox build` does.
  const push = Boolean(o.push) || (!o.output && !o.load && Boolean(plan.spec.image.repository));
  const { output, ...rest } = opts;
  const result = await buildScanPush(plan, source, {
    ...rest,
    ...(output && output.type !== 'push' ? { output } : {}),
    push,
  });
  if (o.json)
    ctx.out.print(
      json({
        archive: result.archive,
        build: result.build,
        scan: scanJson(result.scan),
        pushed: result.pushed,
      }),
    );
  else {
    ctx.out.print(`built ${result.archive} (${result.build.digest})`);
    ctx.out.print(formatScanTable(result.scan, { paint: (s, t) => paint(ctx.out, s, t) }));
    if (result.pushed)
      ctx.out.print(
        `${paint(ctx.out, 'green', 'pushed')} the scanned archive ${result.pushed.digest} to ${result.pushed.refs.join(', ')}`,
      );
  }
  if (!result.scan.gate.passed) {
    process.exitCode = ExitCode.failed;
    ctx.out.info(
      `kubox: the gate failed (${result.scan.gate.reason}); ${push ? 'nothing was pushed' : 'the archive stays local'}`,
    );
  }
}

/**
 * Maintainer-script warnings, at most two lines per package: a package with
 * a long script (dpkg, libc6) would otherwise bury the rest. `--json` has
 * them all.
 */
export function summarizeWarnings(warnings: readonly string[]): string[] {
  const byPackage = new Map<string, string[]>();
  for (const w of warnings) {
    const pkg = /^([a-z0-9][a-z0-9+.-]*): /.exec(w)?.[1] ?? '';
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), w]);
  }
  return [...byPackage].flatMap(([pkg, list]) =>
    list.length <= 2 || !pkg
      ? list
      : [
          list[0]!,
          `${pkg}: ${list.length - 1} more script effects not run or emulated (--json lists them)`,
        ],
  );
}
