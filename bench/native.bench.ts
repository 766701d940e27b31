/**
 * Benchmark: the native engine against buildx for the same spec (the py-kube
 * test spec on the loopback environment: real Debian packages from
 * deb.debian.org, the signed kubectl repository, mc, the pip index), for
 * every platform, in the same run.
 *
 *   cold      buildx: --no-cache.  native: an empty kubox cache and no lock
 *             (resolution, signed metadata, downloads and assembly all count).
 *   +1 apt    the same spec with one more apt package, rebuilt warm.
 *   memory    the native process's peak resident set (GNU time's %M).
 *
 *   BENCH_PLATFORMS=linux/amd64 npm run bench   # default: both platforms
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { render } from '../src/dockerfile/render.js';
import { makePlan } from '../src/plan/plan.js';
import { SpecSchema, type SpecInput } from '../src/spec/schema.js';
import { KUBOX_BIN } from '../test/support/cli.js';
import { loadEnv, localSpec, specYaml, type E2eEnv } from '../test/support/e2e-env.js';
import { timedBuildx } from './buildx-run.js';
import { recordResults } from './results.js';

const platforms = (process.env.BENCH_PLATFORMS ?? 'linux/amd64,linux/arm64').split(',');
const EXTRA_PACKAGE = 'jq';

function spec(env: E2eEnv, extra: boolean): SpecInput {
  const input = localSpec(env, { platforms, engine: 'native' });
  delete (input as { builder?: unknown }).builder;
  if (extra)
    input.apt = { ...input.apt, packages: [...(input.apt?.packages ?? []), EXTRA_PACKAGE] };
  return input;
}

async function timedNative(
  env: E2eEnv,
  dir: string,
  cache: string,
  input: SpecInput,
): Promise<{ seconds: number; peakMb: number }> {
  writeFileSync(join(dir, 'kubox.yaml'), specYaml(input));
  const start = process.hrtime.bigint();
  const res = await execa(
    '/usr/bin/time',
    [
      '-f',
      'peak-kb %M',
      process.execPath,
      KUBOX_BIN,
      'build',
      '--engine',
      'native',
      '--output',
      `oci:${join(dir, 'image.oci.tar')}`,
    ],
    {
      cwd: dir,
      env: { DOCKER_CONFIG: env.dockerConfig, KUBOX_CACHE_DIR: cache, NO_COLOR: '1' },
      reject: false,
    },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.exitCode !== 0)
    throw new Error(`native build failed:\n${String(res.stderr).slice(-3000)}`);
  const kb = Number(/peak-kb (\d+)/.exec(String(res.stderr))?.[1] ?? NaN);
  return { seconds, peakMb: kb / 1024 };
}

async function main(): Promise<void> {
  const env = loadEnv();
  const dockerfile = (extra: boolean) => {
    const s = SpecSchema.parse(spec(env, extra));
    return render(makePlan(s)).dockerfile;
  };
  process.stderr.write(`[bench] buildx: cold build (${platforms.join(', ')})\n`);
  const bxCold = await timedBuildx(env, dockerfile(false), { noCache: true, platforms });
  process.stderr.write(`[bench] buildx: warm rebuild after adding ${EXTRA_PACKAGE}\n`);
  const bxWarm = await timedBuildx(env, dockerfile(true), { noCache: false, platforms });

  const dir = mkdtempSync(join(tmpdir(), 'kubox-bench-native-'));
  const cache = mkdtempSync(join(tmpdir(), 'kubox-bench-cache-'));
  try {
    process.stderr.write('[bench] native: cold build (empty cache, no lock)\n');
    const nCold = await timedNative(env, dir, cache, spec(env, false));
    process.stderr.write('[bench] native: warm rebuild, nothing changed\n');
    const nSame = await timedNative(env, dir, cache, spec(env, false));
    process.stderr.write(`[bench] native: warm rebuild after adding ${EXTRA_PACKAGE}\n`);
    const nWarm = await timedNative(env, dir, cache, spec(env, true));

    const sec = (x: number) => `${x.toFixed(1)} s`;
    const row = (name: string, bx: number, n: number) =>
      `${name.padEnd(30)} ${sec(bx).padEnd(10)} ${sec(n).padEnd(10)} ${(bx / n).toFixed(1)}x`;
    const lines = [
      `platforms: ${platforms.join(', ')}`,
      `${'metric'.padEnd(30)} ${'buildx'.padEnd(10)} ${'native'.padEnd(10)} buildx/native`,
      row('cold build', bxCold.seconds, nCold.seconds),
      row(`warm rebuild (+${EXTRA_PACKAGE})`, bxWarm.seconds, nWarm.seconds),
      `${'native, nothing changed'.padEnd(30)} ${'-'.padEnd(10)} ${sec(nSame.seconds)}`,
      `native peak memory (RSS)       cold ${nCold.peakMb.toFixed(0)} MB, +${EXTRA_PACKAGE} ${nWarm.peakMb.toFixed(0)} MB, unchanged ${nSame.peakMb.toFixed(0)} MB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    await recordResults('native', {
      'buildx cold build s': bxCold.seconds,
      'native cold build s': nCold.seconds,
      [`buildx warm rebuild (+${EXTRA_PACKAGE}) s`]: bxWarm.seconds,
      [`native warm rebuild (+${EXTRA_PACKAGE}) s`]: nWarm.seconds,
      'native nothing changed s': nSame.seconds,
      'native cold peak RSS MB': nCold.peakMb,
      [`native warm (+${EXTRA_PACKAGE}) peak RSS MB`]: nWarm.peakMb,
      'native nothing changed peak RSS MB': nSame.peakMb,
      platforms: platforms.length,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}

await main();
