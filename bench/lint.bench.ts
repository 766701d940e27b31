/**
 * Benchmark: Dockerfiles linted per second by kubox lint and by the
 * dockerfilelint npm package, on the same corpus (test/fixtures/lint/corpus
 * plus the seed's Dockerfile and kubox's py-kube rendering), in the same
 * process, after a warm-up; the median of several rounds.
 *
 * Not the same work: kubox parses with dockerfile-ast, models every RUN as
 * shell and runs 33 rules; dockerfilelint splits lines and runs regex checks.
 * dockerfilelint also looks for a .dockerfilelintrc on every call (its API).
 *
 *   npx tsx bench/lint.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { lintText } from '../src/lint/lint.js';
import { recordResults } from './results.js';

const require = createRequire(import.meta.url);
const dockerfilelint = require('dockerfilelint') as {
  run: (configDir: string, content: string) => unknown[];
};

const dir = new URL('../test/fixtures/lint/corpus/', import.meta.url);
const corpus = [
  ...readdirSync(dir)
    .sort()
    .map((f) => readFileSync(new URL(f, dir), 'utf8')),
  readFileSync(new URL('../test/fixtures/seed/Dockerfile', import.meta.url), 'utf8'),
  readFileSync(new URL('../test/fixtures/golden/py-kube.Dockerfile', import.meta.url), 'utf8'),
];
const configDir = tmpdir(); // no .dockerfilelintrc there

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 400);

/** Files per second: whole passes over the corpus for at least MIN_MS, median of ROUNDS. */
function measure(lint: (text: string) => unknown): number {
  for (let k = 0; k < 20; k++) for (const t of corpus) lint(t); // warm-up: JIT and caches
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let files = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MIN_MS) {
      for (const t of corpus) lint(t);
      files += corpus.length;
      elapsed = performance.now() - start;
    }
    rates.push((files / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

const kubox = measure((t) => lintText(t, 'Dockerfile'));
const other = measure((t) => dockerfilelint.run(configDir, t));
const fmt = (n: number) => n.toFixed(0).padStart(8);
console.log(
  `lint benchmark: ${corpus.length} Dockerfiles, median of ${ROUNDS} rounds of >= ${MIN_MS} ms, Node ${process.version}`,
);
console.log(`  kubox lint      ${fmt(kubox)} files/s`);
console.log(`  dockerfilelint  ${fmt(other)} files/s`);
console.log(`  ratio           ${(kubox / other).toFixed(2)}x (kubox / dockerfilelint)`);
await recordResults('lint', {
  'kubox lint files/s': kubox,
  'dockerfilelint files/s': other,
  'corpus files': corpus.length,
});
