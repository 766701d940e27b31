/** `kubox build`: the engines' build, or with --scan the gated build-scan-push. */
import { resolve } from 'node:path';
import type { BuildOptions, BuildOutput, BuildResult, EngineName } from '../engines/options.js';
import { buildImage as build } from '../build.js';
import { ExitCode, KuboxError } from '../errors.js';
import { buildScanPush } from '../gated-build.js';
import { layoutPath } from '../image/name.js';
import { makePlan, type Plan } from '../plan/plan.js';
import { formatScanTable } from '../scan/table.js';
import { loadSpec } from '../spec/load.js';
import type { Context } from './context.js';
import { commaList, parseBuildArgs } from './options.js';
import { downloadProgress, json, paint, table } from './output.js';
import { scanJson } from './scan.js';

/** Moved to options.ts (lock parses --build-arg too); still exported here for its tests. */
export { parseBuildArgs };

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
    const path = layoutPath(o.output);
    if (!path) {
      throw new KuboxError('usage', `--output ${o.output} is not oci:PATH`, {
        hint: 'for example --output oci:out/py-kube.tar',
      });
    }
    return { type: 'oci', path: resolve(path) };
  }
  return undefined;
}

export interface BuildFlags {
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
  provenance?: boolean;
  sbom?: 'spdx-json' | 'cyclonedx-json';
  sign?: boolean;
  key?: string;
}

export async function runBuild(ctx: Context, o: BuildFlags): Promise<void> {
  ctx.json = o.json;
  const { spec, source } = loadSpec(o.file);
  const plan = makePlan(spec, source);
  // With --scan, --push may join --output: the archive is kept where asked, then pushed.
  const output = parseOutput(o.scan ? { ...o, push: false } : o);
  const opts: BuildOptions = {
    ...(o.platform
      ? {
          platforms: commaList(o.platform),
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
    ...(o.provenance ? { provenance: true } : {}),
    ...(o.sbom ? { sbom: o.sbom } : {}),
    ...(o.sign ? { sign: await signingKey(o) } : {}),
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
  printAttached(ctx, result.attached);
  printSigned(ctx, result.signed);
}

/** --sign --key: the key and its password, asked for before the build rather than after it. */
async function signingKey(o: BuildFlags): Promise<{ key: string; password: string }> {
  if (!o.key)
    throw new KuboxError('usage', '--sign needs --key PATH (a cosign.key)', {
      hint: 'make one with `kubox sign --generate-key`',
    });
  const { password } = await import('./sign.js');
  return { key: resolve(o.key), password: await password(false) };
}

/** The signatures a build wrote, one line per repository. */
function printSigned(ctx: Context, signed: BuildResult['signed']): void {
  for (const s of signed ?? [])
    ctx.out.print(
      `signed ${s.image}@${s.digest} (${s.signed.length} manifest${s.signed.length === 1 ? '' : 's'})`,
    );
}

/** The referrers a build attached, one line each. */
function printAttached(ctx: Context, attached: BuildResult['attached']): void {
  for (const a of attached ?? [])
    ctx.out.print(`attached ${a.artifactType} ${a.digest} to ${a.repository}@${a.subject}`);
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
    printAttached(ctx, result.build.attached);
    printSigned(ctx, result.build.signed);
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
