/**
 * Benchmark: how fast the CLI starts and lints, process start to exit, as a
 * user or a CI step runs it. Side by side in the same run:
 *   - `node -e 0` (the floor), `kubox --version`, `kubox --help`;
 *   - `kubox lint FILE` (with and without ShellCheck) and `dockerfilelint FILE`
 *     on the same small file;
 *   - one invocation over every case of kubox's own lint corpus
 *     (test/fixtures/lint-corpus, one Dockerfile per case): files per second
 *     for kubox lint and for dockerfilelint.
 * Medians of several runs; child processes are spawned asynchronously.
 *
 *   npm run build && npx tsx bench/startup.bench.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readCorpus } from '../test/unit/lint/corpus-reader.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KUBOX = join(ROOT, 'bin', 'kubox.js');
const DOCKERFILELINT = join(ROOT, 'node_modules', '.bin', 'dockerfilelint');
const RUNS = Number(process.env.BENCH_RUNS ?? 11);

async function ms(cmd: string, args: readonly string[]): Promise<number> {
  const start = process.hrtime.bigint();
  // Lint findings exit non-zero: only the time counts here.
  await execa(cmd, args, { reject: false, stdin: 'ignore', cwd: ROOT });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function median(cmd: string, args: readonly string[]): Promise<number> {
  await ms(cmd, args); // warm the page cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await ms(cmd, args));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const work = mkdtempSync(join(tmpdir(), 'kubox-startup-bench-'));
const small = join(work, 'Dockerfile');
writeFileSync(
  small,
  [
    `FROM debian:bookworm@sha256:${'a'.repeat(64)}`,
    'RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*',
    'USER 1000',
    '',
  ].join('\n'),
);
const corpus = readCorpus().map((c, i) => {
  const f = join(work, `case-${String(i).padStart(3, '0')}.Dockerfile`);
  writeFileSync(f, c.dockerfile);
  return f;
});

const node = await median(process.execPath, ['-e', '0']);
const rows: [string, number][] = [
  ['node -e 0', node],
  ['kubox --version', await median(process.execPath, [KUBOX, '--version'])],
  ['kubox --help', await median(process.execPath, [KUBOX, '--help'])],
  [
    'kubox lint FILE (no ShellCheck)',
    await median(process.execPath, [KUBOX, 'lint', '--no-shellcheck', small]),
  ],
  ['kubox lint FILE (ShellCheck)', await median(process.execPath, [KUBOX, 'lint', small])],
  ['dockerfilelint FILE', await median(DOCKERFILELINT, [small])],
];
console.log(`start to exit, median of ${RUNS} runs`);
for (const [name, t] of rows)
  console.log(
    `  ${name.padEnd(34)} ${t.toFixed(0).padStart(6)} ms  ${(t / node).toFixed(2)}x node`,
  );

const rate = (t: number) => (corpus.length / (t / 1000)).toFixed(0);
const kuboxAll = await median(process.execPath, [KUBOX, 'lint', '--no-shellcheck', ...corpus]);
const kuboxAllSc = await median(process.execPath, [KUBOX, 'lint', ...corpus]);
const dflAll = await median(DOCKERFILELINT, corpus);
console.log(`${corpus.length} corpus files in one invocation`);
console.log(`  kubox lint (no ShellCheck)  ${rate(kuboxAll).padStart(6)} files/s`);
console.log(`  kubox lint (ShellCheck)     ${rate(kuboxAllSc).padStart(6)} files/s`);
console.log(`  dockerfilelint              ${rate(dflAll).padStart(6)} files/s`);
