/**
 * Benchmark: pushing and pulling a multi-layer, two-platform image against
 * the local registry (htpasswd auth), kubox's daemonless client next to
 * `skopeo copy` and `docker push`, in the same run. Each push goes to a fresh
 * repository, so every blob is really uploaded.
 *
 *   npx tsx bench/registry.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packLayout } from '../src/oci/layout.js';
import { push } from '../src/registry/push.js';
import { pull } from '../src/registry/remote.js';
import { loadEnv } from '../test/support/e2e-env.js';
import { makeImage } from '../test/support/make-image.js';
import { recordResults } from './results.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAYERS = [4_000_000, 12_000_000, 24_000_000];

const env = loadEnv();
const credential = { kind: 'basic' as const, username: env.username, password: env.password };
const work = mkdtempSync(join(tmpdir(), 'kubox-regbench-'));
const dockerEnv = { DOCKER_CONFIG: env.dockerConfig };
let n = 0;
const fresh = (tool: string) => `${env.registry}/bench-${process.pid}-${tool}-${n++}/img:1`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A new image per push, so no tool can skip or mount blobs it has seen (skopeo and docker remember). */
async function freshArchive(seed: number): Promise<string> {
  const dir = join(work, `layout-${seed}`);
  await makeImage(dir, { platforms: ['linux/amd64', 'linux/arm64'], layerSizes: LAYERS, seed });
  const archive = join(work, `image-${seed}.tar`);
  await packLayout(dir, archive);
  rmSync(dir, { recursive: true, force: true });
  return archive;
}

async function dockerLoad(archive: string): Promise<string | undefined> {
  const load = await execa('docker', ['load', '--input', archive], {
    env: dockerEnv,
    reject: false,
  });
  return load.exitCode === 0
    ? /Loaded image(?: ID)?: (\S+)/.exec(String(load.stdout))?.[1]
    : undefined;
}

async function main(): Promise<void> {
  const mb = (2 * LAYERS.reduce((a, b) => a + b, 0)) / 1e6;
  process.stderr.write(
    `[bench] images: 2 platforms x ${LAYERS.length} layers, ${mb.toFixed(0)} MB each\n`,
  );
  const results: Record<string, number[]> = {
    'kubox push': [],
    'skopeo copy (push)': [],
    'docker push': [],
    'kubox pull': [],
    'skopeo copy (pull)': [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    const kuboxArchive = await freshArchive(100 * r + 1);
    const source = fresh('kubox');
    results['kubox push']!.push(
      await timed(() => push(`oci:${kuboxArchive}`, [source], { credential })),
    );
    const skopeoArchive = await freshArchive(100 * r + 2);
    results['skopeo copy (push)']!.push(
      await timed(() =>
        execa('skopeo', [
          'copy',
          '--all',
          '--quiet',
          '--dest-tls-verify=false',
          '--dest-creds',
          `${env.username}:${env.password}`,
          `oci-archive:${skopeoArchive}`,
          `docker://${fresh('skopeo')}`,
        ]),
      ),
    );
    const loaded = await dockerLoad(await freshArchive(100 * r + 3));
    if (loaded) {
      const target = fresh('docker');
      await execa('docker', ['tag', loaded, target], { env: dockerEnv });
      results['docker push']!.push(
        await timed(() => execa('docker', ['push', '--quiet', target], { env: dockerEnv })),
      );
    }
    results['kubox pull']!.push(
      await timed(() => pull(source, join(work, `k${r}.tar`), { credential })),
    );
    results['skopeo copy (pull)']!.push(
      await timed(() =>
        execa('skopeo', [
          'copy',
          '--all',
          '--quiet',
          '--src-tls-verify=false',
          '--src-creds',
          `${env.username}:${env.password}`,
          `docker://${source}`,
          `oci-archive:${join(work, `s${r}.tar`)}`,
        ]),
      ),
    );
  }
  // Ratio: the other tool's time divided by kubox's (above 1: kubox is faster).
  const row = (name: string, base: string) => {
    const xs = results[name]!;
    if (xs.length === 0) return `${name.padEnd(20)} n/a (docker could not load the archive)`;
    const m = median(xs);
    const ratio = name === base ? '' : `  ratio ${(m / median(results[base]!)).toFixed(2)}`;
    return `${name.padEnd(20)} ${m.toFixed(2)} s  ${(mb / m).toFixed(0).padStart(4)} MB/s${ratio}`;
  };
  process.stdout.write(
    [
      `registry push/pull, ${mb.toFixed(0)} MB in 2 platforms x ${LAYERS.length} layers, median of ${ROUNDS}`,
      row('kubox push', 'kubox push'),
      row('skopeo copy (push)', 'kubox push'),
      row('docker push', 'kubox push'),
      row('kubox pull', 'kubox pull'),
      row('skopeo copy (pull)', 'kubox pull'),
      '',
    ].join('\n'),
  );
  // Medians in seconds; a tool that could not run has no figure.
  const figures: Record<string, number> = { 'MB pushed or pulled': mb };
  for (const [name, xs] of Object.entries(results))
    if (xs.length > 0) figures[`${name} s`] = median(xs);
  await recordResults('registry', figures);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
