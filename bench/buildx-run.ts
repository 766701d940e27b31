/**
 * One timed `docker buildx build` of a Dockerfile against the loopback test
 * environment, to an OCI archive; shared by the benchmarks that compare
 * against buildx. A per-run nonce keeps an earlier run's cache from passing
 * for a rebuild.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readArchive } from '../src/image/summary.js';
import type { E2eEnv } from '../test/support/e2e-env.js';

const RUN_NONCE = `${Date.now()}-${process.pid}`;

export async function timedBuildx(
  env: E2eEnv,
  dockerfile: string,
  opts: { noCache: boolean; platforms: readonly string[] },
): Promise<{ seconds: number; bytes: number }> {
  const { noCache, platforms } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'kubox-bench-'));
  try {
    // A build arg declared before the RUN is part of its cache key: this run's
    // nonce keeps an earlier run's layers from passing for a rebuild.
    writeFileSync(join(dir, 'Dockerfile'), dockerfile.replace(/^(FROM .*)$/m, '$1\nARG BENCH_RUN'));
    const archive = join(dir, 'image.tar');
    const argv = [
      'buildx',
      'build',
      '--builder',
      'default',
      '--progress',
      'quiet',
      '--platform',
      platforms.join(','),
      '--network',
      'host',
      '--build-arg',
      `KUBECTL_VERSION=${env.kubectlVersion}`,
      '--build-arg',
      `BENCH_RUN=${RUN_NONCE}`,
      '--output',
      `type=oci,dest=${archive}`,
      ...(noCache ? ['--no-cache'] : []),
      dir,
    ];
    const start = process.hrtime.bigint();
    const res = await execa('docker', argv, {
      env: { DOCKER_CONFIG: env.dockerConfig },
      reject: false,
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (res.exitCode !== 0) throw new Error(`build failed:\n${String(res.stderr).slice(-2000)}`);
    const summary = await readArchive(archive);
    const bytes = summary.images.reduce(
      (n, i) => n + i.manifest.layers.reduce((m, l) => m + l.size, 0),
      0,
    );
    return { seconds, bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
