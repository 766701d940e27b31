/**
 * Benchmark: kubox's rendered Dockerfile against the seed's own Dockerfile,
 * in the same run, on the same engine and the same loopback mirrors.
 * Measures a cold build (--no-cache), a warm rebuild after adding one apt
 * package, and the image size (compressed layers, as pulled).
 *
 * The seed's Dockerfile is test/fixtures/seed/Dockerfile exactly as the
 * design document prints it, with only its sources swapped for the mirrors
 * kubox's spec uses (and its `# syntax=` line dropped: the frontend image
 * lives on Docker Hub). Both install the same tools.
 *
 *   BENCH_PLATFORMS=linux/amd64,linux/arm64 npm run bench
 */
import { readFileSync } from 'node:fs';
import { render } from '../src/dockerfile/render.js';
import { makePlan } from '../src/plan/plan.js';
import { SpecSchema } from '../src/spec/schema.js';
import { loadEnv, localSpec, type E2eEnv } from '../test/support/e2e-env.js';
import { timedBuildx } from './buildx-run.js';
import { recordResults } from './results.js';

const platforms = (process.env.BENCH_PLATFORMS ?? 'linux/amd64').split(',');
const EXTRA_PACKAGE = 'jq';

interface Variant {
  name: string;
  dockerfile: (extra: boolean) => string;
}

function kuboxVariant(env: E2eEnv): Variant {
  return {
    name: 'kubox',
    dockerfile: (extra) => {
      const input = localSpec(env, { platforms });
      // The seed does not rewrite apt sources; neither does this run.
      delete (input.apt as { mirror?: string }).mirror;
      const spec = SpecSchema.parse(input);
      if (extra) spec.apt.packages.push(EXTRA_PACKAGE);
      return render(makePlan(spec)).dockerfile;
    },
  };
}

function seedVariant(env: E2eEnv): Variant {
  const seed = readFileSync(new URL('../test/fixtures/seed/Dockerfile', import.meta.url), 'utf8');
  const swapped = seed
    .replace(/^# syntax=.*\n\n?/, '')
    .replace(/^FROM .*$/m, `FROM ${env.base}`)
    .replaceAll('https://pkgs.k8s.io/core:/stable:/v${KUBECTL_VERSION}/deb/', env.kubectlRepo)
    .replace('https://dl.min.io/client/mc/release/linux-${TARGETARCH}/mc', env.mcUrl)
    .replace(
      /pip install --no-cache-dir \\\n kubernetes \\\n httpie \\\n ipython/,
      `pip install --no-cache-dir --index-url ${env.pipIndex} packaging`,
    );
  if (
    swapped.includes('pkgs.k8s.io') ||
    swapped.includes('dl.min.io') ||
    swapped.includes('ipython')
  ) {
    throw new Error('the seed Dockerfile changed shape: a source was not swapped');
  }
  return {
    name: 'seed',
    dockerfile: (extra) =>
      extra ? swapped.replace(' vim \\\n', ` vim \\\n ${EXTRA_PACKAGE} \\\n`) : swapped,
  };
}

async function main(): Promise<void> {
  const env = loadEnv();
  const variants = [kuboxVariant(env), seedVariant(env)];
  const rows: Record<string, Record<string, number>> = {};
  for (const v of variants) rows[v.name] = {};
  // Interleaved, so drift on the machine or the mirror hits both alike.
  for (const v of variants) {
    process.stderr.write(`[bench] ${v.name}: cold build (${platforms.join(', ')})\n`);
    const cold = await timedBuildx(env, v.dockerfile(false), { noCache: true, platforms });
    rows[v.name]!.cold = cold.seconds;
    rows[v.name]!.size = cold.bytes;
  }
  for (const v of variants) {
    process.stderr.write(`[bench] ${v.name}: warm rebuild after adding ${EXTRA_PACKAGE}\n`);
    rows[v.name]!.warm = (
      await timedBuildx(env, v.dockerfile(true), { noCache: false, platforms })
    ).seconds;
  }
  const k = rows.kubox!;
  const s = rows.seed!;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const sec = (x: number) => `${x.toFixed(1)} s`;
  const lines = [
    `platforms: ${platforms.join(', ')}`,
    `metric                         kubox        seed         kubox/seed`,
    `cold build (--no-cache)        ${sec(k.cold!).padEnd(12)} ${sec(s.cold!).padEnd(12)} ${(k.cold! / s.cold!).toFixed(2)}`,
    `warm rebuild (+1 apt package)  ${sec(k.warm!).padEnd(12)} ${sec(s.warm!).padEnd(12)} ${(k.warm! / s.warm!).toFixed(2)}`,
    `image size (compressed layers) ${mb(k.size!).padEnd(12)} ${mb(s.size!).padEnd(12)} ${(k.size! / s.size!).toFixed(3)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await recordResults('build', {
    'kubox cold build s': k.cold!,
    'seed cold build s': s.cold!,
    'kubox warm rebuild (+1 apt package) s': k.warm!,
    'seed warm rebuild (+1 apt package) s': s.warm!,
    'kubox image bytes': k.size!,
    'seed image bytes': s.size!,
    platforms: platforms.length,
  });
}

await main();
